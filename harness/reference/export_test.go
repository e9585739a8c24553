package reference

// SetKeyQuota lowers the keys-per-account-and-Region quota of s, so a test
// can reach it with a few keys instead of AWS's 100000.
func SetKeyQuota(s *Server, quota int) { s.keyQuota = quota }
