package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// File is the YAML configuration file given with --kms.config. Every field is
// optional; flags override it.
//
//	endpoint: http://127.0.0.1:4599
//	region: us-east-1
//	profile: "2023"
//	capabilities: [expiry-wait, token-lifetime=3s]
//	strict: false
//	report-dir: out/
//	credentials: {access-key-id: ..., secret-access-key: ...}
//	second-account: {access-key-id: ..., secret-access-key: ..., account-id: "444455556666"}
//	second-region: us-west-2
type File struct {
	Endpoint      string       `yaml:"endpoint"`
	Target        string       `yaml:"target"`
	Region        string       `yaml:"region"`
	Profile       string       `yaml:"profile"`
	Capabilities  []string     `yaml:"capabilities"`
	Strict        bool         `yaml:"strict"`
	ReportDir     string       `yaml:"report-dir"`
	Reference     FileRef      `yaml:"reference"`
	Credentials   *Credentials `yaml:"credentials"`
	SecondAccount *Credentials `yaml:"second-account"`
	SecondRegion  string       `yaml:"second-region"`
}

// FileRef configures the embedded reference from the file.
type FileRef struct {
	Profile string `yaml:"profile"`
	Mutant  string `yaml:"mutant"`
}

// ReadFile reads and strictly decodes a configuration file: an unknown key is
// an error (a misspelt key would otherwise be silently ignored).
func ReadFile(path string) (File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("config file: %w (give an existing YAML file to --kms.config)", err)
	}
	return ParseFile(path, data)
}

// ParseFile decodes the YAML of a configuration file named path.
func ParseFile(path string, data []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("config file %s: %v (known keys: endpoint, target, region, profile, capabilities, strict, report-dir, reference, credentials, second-account, second-region)", path, err)
	}
	return f, nil
}
