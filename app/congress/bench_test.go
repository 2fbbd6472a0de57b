package congress_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
	"github.com/advocate-org/advocate/app/congress"
)

// BenchmarkImportDir measures a whole roster import of the shared data
// (legislators, offices, committees, memberships, commissions, 42k ZIP rows
// and 441 district shapes with ~633k points).
func BenchmarkImportDir(b *testing.B) {
	dir := apptest.SharedData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := congress.ImportDir(context.Background(), dir, congress.ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRead(b *testing.B, rel string, read func(data []byte) (int, error)) {
	data, err := os.ReadFile(filepath.Join(apptest.SharedData(b), rel))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := read(data); err != nil || n == 0 {
			b.Fatalf("%d records, %v", n, err)
		}
	}
}

func BenchmarkReadGeoJSONShapes(b *testing.B) {
	benchRead(b, "districts/cd119_500k.geojson", func(data []byte) (int, error) {
		s, err := congress.ReadGeoJSONShapes(bytes.NewReader(data), "cd119_500k.geojson")
		return len(s), err
	})
}

func BenchmarkReadTopoJSONShapes(b *testing.B) {
	benchRead(b, "districts/us-congressional-districts-119.topojson", func(data []byte) (int, error) {
		s, err := congress.ReadTopoJSONShapes(bytes.NewReader(data), "us-congressional-districts-119.topojson")
		return len(s), err
	})
}

func BenchmarkReadZCCD(b *testing.B) {
	benchRead(b, "zip-district/zccd.csv", func(data []byte) (int, error) {
		z, err := congress.ReadZCCD(bytes.NewReader(data), "zccd.csv")
		return len(z), err
	})
}

func BenchmarkReadLegislatorsJSON(b *testing.B) {
	benchRead(b, "congress-legislators/legislators-current.json", func(data []byte) (int, error) {
		l, err := congress.ReadLegislatorsJSON(bytes.NewReader(data), "legislators-current.json")
		return len(l), err
	})
}

func BenchmarkReadLegislatorsYAML(b *testing.B) {
	benchRead(b, "congress-legislators/legislators-current.yaml", func(data []byte) (int, error) {
		l, err := congress.ReadLegislatorsYAML(bytes.NewReader(data), "legislators-current.yaml")
		return len(l), err
	})
}
