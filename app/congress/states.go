package congress

// fipsToUSPS maps Census state FIPS codes to USPS codes for every area that
// has a seat in Congress: the 50 states, DC and the five inhabited
// territories. Census files name states by FIPS; congress-legislators by USPS.
var fipsToUSPS = map[string]string{
	"01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
	"10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
	"18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
	"25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
	"32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
	"39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
	"47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
	"55": "WI", "56": "WY",
	"60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}

// uspsToFIPS is the reverse of fipsToUSPS.
var uspsToFIPS = func() map[string]string {
	m := make(map[string]string, len(fipsToUSPS))
	for f, s := range fipsToUSPS {
		m[s] = f
	}
	return m
}()

// StateForFIPS returns the USPS code of a 2-digit Census state FIPS code,
// for code that reads other Census files (geocoder answers, shapefiles).
func StateForFIPS(fips string) (string, bool) {
	s, ok := fipsToUSPS[fips]
	return s, ok
}

// FIPSForState returns the 2-digit Census FIPS code of a USPS state code.
func FIPSForState(usps string) (string, bool) {
	f, ok := uspsToFIPS[usps]
	return f, ok
}

// seatState reports whether s is a USPS code that has a seat in Congress
// (unlike app.ValidState it rejects the military "states" AA, AE, AP).
func seatState(s string) bool {
	_, ok := uspsToFIPS[s]
	return ok
}
