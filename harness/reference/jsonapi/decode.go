package jsonapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

var timestampType = reflect.TypeFor[kmsapi.Timestamp]()

// decode reads a request body into in, a pointer to a kmsapi input struct.
//
// Members are matched by their exact names, as AWS does (encoding/json alone
// would also match "keyid" to KeyId); unknown members are ignored and null
// stands for an absent member, as in every AWS JSON protocol. A body that is
// not JSON, is not an object, or has a member of the wrong JSON type is a
// SerializationException; whether the values satisfy the model's constraints
// is for the decision layer to say.
func decode(body []byte, in any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		// An empty body is an empty request, as for the SDK's "{}".
		return nil
	}
	if !json.Valid(body) {
		return awserr.New(awserr.Serialization, "The request body is not valid JSON.")
	}
	return decodeValue(json.RawMessage(body), reflect.ValueOf(in).Elem(), "")
}

func serializationError(path, want string) error {
	if path == "" {
		return awserr.New(awserr.Serialization, "The request body must be a JSON object.")
	}
	return awserr.New(awserr.Serialization, "Value at '%s' must be %s.", path, want)
}

func decodeValue(raw json.RawMessage, v reflect.Value, path string) error {
	if v.Type() == timestampType {
		var t kmsapi.Timestamp
		if err := t.UnmarshalJSON(raw); err != nil {
			return serializationError(path, "a number of epoch seconds within range")
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := decodeValue(raw, elem.Elem(), path); err != nil {
			return err
		}
		v.Set(elem)
		return nil
	case reflect.String:
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return serializationError(path, "a string")
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return serializationError(path, "a boolean")
		}
		v.SetBool(b)
		return nil
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(string(raw), 10, v.Type().Bits())
		if err != nil {
			return serializationError(path, fmt.Sprintf("an integer that fits %d bits", v.Type().Bits()))
		}
		v.SetInt(n)
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return decodeBlob(raw, v, path)
		}
		var items []json.RawMessage
		if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
			return serializationError(path, "a list")
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			if isNull(item) {
				continue
			}
			if err := decodeValue(item, out.Index(i), fmt.Sprintf("%s.%d", path, i+1)); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	case reflect.Map:
		var members map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &members) != nil {
			return serializationError(path, "a map")
		}
		out := reflect.MakeMapWithSize(v.Type(), len(members))
		for k, item := range members {
			if isNull(item) {
				continue
			}
			val := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(item, val, path+"."+k); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), val)
		}
		v.Set(out)
		return nil
	case reflect.Struct:
		var members map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &members) != nil {
			return serializationError(path, "a structure")
		}
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			item, ok := members[name]
			if !ok || isNull(item) {
				continue
			}
			p := name
			if path != "" {
				p = path + "." + name
			}
			if err := decodeValue(item, v.Field(i), p); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("jsonapi: cannot decode into %s", v.Type())
}

// decodeBlob reads a base64 string. An empty string is a present, empty
// blob, not an absent one.
func decodeBlob(raw json.RawMessage, v reflect.Value, path string) error {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return serializationError(path, "a base64-encoded string")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return serializationError(path, "valid base64")
	}
	if b == nil {
		b = []byte{}
	}
	v.SetBytes(b)
	return nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
