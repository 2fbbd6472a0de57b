package apptest_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/advocate-org/advocate/app/apptest"
)

func TestPostgresDSNCreatesAndDrops(t *testing.T) {
	var dsn string
	t.Run("inner", func(t *testing.T) {
		dsn = apptest.PostgresDSN(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	if dsn == "" {
		return // skipped
	}
	db, _ := sql.Open("pgx", dsn)
	defer db.Close()
	if err := db.PingContext(context.Background()); err == nil {
		t.Fatal("the test database still exists after cleanup")
	}
}
