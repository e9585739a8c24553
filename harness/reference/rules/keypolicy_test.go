package rules

import "testing"

func TestPolicyAllows(t *testing.T) {
	const other = "444455556666"
	cases := []struct {
		name, policy, action string
		want                 bool
	}{
		{"default policy names only the owner", DefaultKeyPolicy("aws", "111122223333"), "kms:DescribeKey", false},
		{"account root ARN, exact action", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:DescribeKey"}}`, "kms:DescribeKey", true},
		{"account id, action list", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","444455556666"]},"Action":["kms:Encrypt","kms:DescribeKey"]}]}`, "kms:DescribeKey", true},
		{"another action only", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"kms:Encrypt"}]}`, "kms:DescribeKey", false},
		{"wildcard principal and action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}`, "kms:Decrypt", true},
		{"explicit deny wins", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*"},{"Effect":"Deny","Principal":{"AWS":"444455556666"},"Action":"kms:Decrypt"}]}`, "kms:Decrypt", false},
		{"a condition the reference cannot evaluate grants nothing", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`, "kms:Decrypt", false},
		{"not a policy", `not json`, "kms:DescribeKey", false},
	}
	for _, c := range cases {
		if got := policyAllows(c.policy, "aws", other, c.action); got != c.want {
			t.Errorf("%s: policyAllows = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParsePolicyRefusesWhatIsNotAPolicy(t *testing.T) {
	for _, p := range []string{``, `{}`, `{"Statement":[]}`, `{"Statement":[{"Effect":"Maybe"}]}`, `[1,2]`} {
		if _, err := parsePolicy(p); err == nil {
			t.Errorf("parsePolicy(%q) accepted it", p)
		}
	}
}
