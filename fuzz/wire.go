package fuzz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// wireOperation is the import operation a wire input calls.
type wireOperation byte

const (
	wireImport wireOperation = iota
	wireParameters
	wireDelete
	wireOperations
)

var wireOperationNames = [...]string{
	wireImport:     "ImportKeyMaterial",
	wireParameters: "GetParametersForImport",
	wireDelete:     "DeleteImportedKeyMaterial",
}

// wireMembers are the members of each operation's input (as the 2025 model
// names them), which edits pick from.
var wireMembers = [...][]string{
	wireImport:     {"KeyId", "ImportToken", "EncryptedKeyMaterial", "ExpirationModel", "ValidTo", "ImportType", "KeyMaterialId", "KeyMaterialDescription"},
	wireParameters: {"KeyId", "WrappingAlgorithm", "WrappingKeySpec"},
	wireDelete:     {"KeyId", "KeyMaterialId"},
}

// wireOperationRules are the rules a wire input of each operation
// exercises: the request constraints, and the operation's success.
var wireOperationRules = [...][]string{
	wireImport:     {"IMP-047", "IMP-142", "IMP-065", "IMP-069"},
	wireParameters: {"IMP-010", "IMP-142", "IMP-018"},
	wireDelete:     {"IMP-083", "IMP-142", "IMP-085", "IMP-089"},
}

// wireEditKind is one change to the members of a body.
type wireEditKind byte

const (
	wireSet       wireEditKind = iota // set a member (adding it when absent) to a value
	wireRemove                        // remove a member
	wireUnknown                       // add a member the model does not have
	wireDuplicate                     // write a member a second time, with a value
	wireRename                        // write a member's name in lower case
	wireMoveLast                      // move a member to the end
	wireEditKinds
)

// wireValue is a JSON value an edit writes.
type wireValue byte

const (
	valueNumber wireValue = iota
	valueNegative
	valueFloat
	valueTrue
	valueFalse
	valueNull
	valueObject
	valueArray
	valueStringArray
	valueEmptyString
	valueString
	valueHuge      // a 64 KiB string
	valueOverLimit // a string that takes the body past the reference's 1 MiB limit
	valueBadBase64
	valueUnpadded
	valueURLSafe
	valueSpacedBase64
	valueBase64 // valid base64 of 1 to 256 bytes
	valueNUL
	valueNumericString
	valueNested // arrays 256 deep
	valueBigNumber
	valueUnicode
	valueEnum // a value of one of the model's enums
	valueChoices
)

func (v wireValue) json(arg byte) json.RawMessage {
	switch v {
	case valueNumber:
		return json.RawMessage("1")
	case valueNegative:
		return json.RawMessage("-1")
	case valueFloat:
		return json.RawMessage("1.5")
	case valueTrue:
		return json.RawMessage("true")
	case valueFalse:
		return json.RawMessage("false")
	case valueNull:
		return json.RawMessage("null")
	case valueObject:
		return json.RawMessage("{}")
	case valueArray:
		return json.RawMessage("[]")
	case valueStringArray:
		return json.RawMessage(`["x"]`)
	case valueEmptyString:
		return jsonString("")
	case valueString:
		return jsonString("x")
	case valueHuge:
		return jsonString(strings.Repeat("A", 64<<10))
	case valueOverLimit:
		return jsonString(strings.Repeat("A", 1<<20+1))
	case valueBadBase64:
		return jsonString("!!!!")
	case valueUnpadded:
		return jsonString("QQ")
	case valueURLSafe:
		return jsonString("-_-_")
	case valueSpacedBase64:
		return jsonString("QU FB")
	case valueBase64:
		return jsonBlob(fill([]byte{arg}, int(arg)+1))
	case valueNUL:
		return jsonString("\x00")
	case valueNumericString:
		return jsonString("123")
	case valueNested:
		return json.RawMessage(strings.Repeat("[", 256) + strings.Repeat("]", 256))
	case valueBigNumber:
		return json.RawMessage("1e400")
	case valueUnicode:
		return jsonString("ключ🔑")
	case valueEnum:
		enums := []string{
			string(types.ExpirationModelTypeKeyMaterialExpires), string(types.ExpirationModelTypeKeyMaterialDoesNotExpire),
			string(types.ImportTypeNewKeyMaterial), string(types.ImportTypeExistingKeyMaterial),
			string(types.AlgorithmSpecRsaesOaepSha256), string(types.AlgorithmSpecRsaAesKeyWrapSha256),
			string(types.WrappingKeySpecRsa2048), string(types.WrappingKeySpecRsa4096),
		}
		return jsonString(enums[int(arg)%len(enums)])
	}
	return json.RawMessage("0")
}

// wireEdit is one decoded edit of a body's members.
type wireEdit struct {
	kind   wireEditKind
	member byte // index into the operation's members (unknown members: a suffix)
	value  wireValue
	arg    byte
}

// bodyForm is what the body is made of.
type bodyForm byte

const (
	bodyObject    bodyForm = iota // the members, as a JSON object
	bodyRaw                       // the rest of the input, as is
	bodyArray                     // the object inside an array
	bodyString                    // a JSON string
	bodyNull                      // null
	bodyTruncated                 // the object cut short
	bodyTrailing                  // the object followed by more bytes
	bodyEmpty                     // nothing
	bodyBOM                       // the object after a UTF-8 byte order mark
	bodyForms
)

var (
	contentTypes = []*string{ptr(jsonContentType), nil, ptr("application/json"), ptr("application/x-amz-json-1.0"), ptr(jsonContentType + "; charset=utf-8"), ptr("text/plain")}
	methods      = []string{http.MethodPost, http.MethodGet, http.MethodPut}
)

func ptr[T any](v T) *T { return &v }

// targets returns the X-Amz-Target variants for an operation.
func targets(operation string) []*string {
	return []*string{kmsTarget(operation), nil, kmsTarget("NoSuchOperation"), ptr("trentservice." + operation), ptr("TrentService." + operation + " "), ptr("DynamoDB_20120810." + operation)}
}

// wireInput is a FuzzWireRequest input: an import operation on a key, the
// edits to its well-formed body, the form of the body, and the headers.
type wireInput struct {
	operation   wireOperation
	keySpec     byte
	role        role
	combo       byte
	contentType byte
	target      byte
	method      byte
	form        bodyForm
	cut         int // bodyTruncated: where
	edits       []wireEdit
	raw         []byte // bodyRaw, bodyTrailing: the bytes
}

const maxWireEdits = 4

func decodeWire(data []byte) wireInput {
	src := &source{data: data}
	in := wireInput{
		operation:   wireOperation(src.choose(int(wireOperations))),
		keySpec:     src.byte(),
		role:        role(src.byte() & 1),
		combo:       src.byte(),
		contentType: src.byte(),
		target:      src.byte(),
		method:      src.byte(),
		form:        bodyForm(src.choose(int(bodyForms))),
		cut:         src.uint16(),
	}
	n := src.choose(maxWireEdits + 1)
	for range n {
		in.edits = append(in.edits, wireEdit{
			kind:   wireEditKind(src.choose(int(wireEditKinds))),
			member: src.byte(),
			value:  wireValue(src.choose(int(valueChoices))),
			arg:    src.byte(),
		})
	}
	in.raw = src.take(len(src.data))
	return in
}

func (in wireInput) encode() []byte {
	enc := &encoder{}
	enc.byte(byte(in.operation))
	enc.byte(in.keySpec)
	enc.byte(byte(in.role))
	enc.byte(in.combo)
	enc.byte(in.contentType)
	enc.byte(in.target)
	enc.byte(in.method)
	enc.byte(byte(in.form))
	enc.uint16(in.cut)
	enc.byte(byte(len(in.edits)))
	for _, e := range in.edits {
		enc.byte(byte(e.kind))
		enc.byte(e.member)
		enc.byte(byte(e.value))
		enc.byte(e.arg)
	}
	enc.bytes(in.raw)
	return enc.out
}

// apply applies the edits to members, and reports whether the result names
// a member twice with different values: AWS does not say which one counts,
// so any well-formed answer is right for such a body.
func (in wireInput) apply(members []member) ([]member, bool) {
	names := wireMembers[in.operation]
	out := append([]member(nil), members...)
	index := func(name string) int {
		for i, m := range out {
			if m.name == name {
				return i
			}
		}
		return -1
	}
	for _, e := range in.edits {
		name := names[int(e.member)%len(names)]
		value := e.value.json(e.arg)
		i := index(name)
		switch e.kind {
		case wireSet:
			if i < 0 {
				out = append(out, member{name, value})
			} else {
				out[i].value = value
			}
		case wireRemove:
			if i >= 0 {
				out = append(out[:i], out[i+1:]...)
			}
		case wireUnknown:
			out = append(out, member{fmt.Sprintf("Unknown%d", e.member), value})
		case wireDuplicate:
			out = append(out, member{name, value})
		case wireRename:
			if i >= 0 {
				out[i].name = strings.ToLower(out[i].name)
			}
		case wireMoveLast:
			if i >= 0 {
				m := out[i]
				out = append(append(out[:i], out[i+1:]...), m)
			}
		}
	}
	ambiguous := false
	for i, a := range out {
		for _, b := range out[i+1:] {
			if a.name == b.name && string(a.value) != string(b.value) {
				ambiguous = true
			}
		}
	}
	return out, ambiguous
}

// body writes the members in the input's body form.
func (in wireInput) body(members []member) []byte {
	obj := object(members)
	switch in.form {
	case bodyRaw:
		return in.raw
	case bodyArray:
		return append(append([]byte("["), obj...), ']')
	case bodyString:
		return jsonString(string(obj))
	case bodyNull:
		return []byte("null")
	case bodyTruncated:
		return obj[:in.cut%len(obj)]
	case bodyTrailing:
		return append(obj, append([]byte(" x"), in.raw...)...)
	case bodyEmpty:
		return nil
	case bodyBOM:
		return append([]byte("\xef\xbb\xbf"), obj...)
	}
	return obj
}

// RunWireRequest runs one FuzzWireRequest input.
func (s *Session) RunWireRequest(ctx context.Context, data []byte) Result {
	const fuzzer = "FuzzWireRequest"
	s.mu.Lock()
	defer s.mu.Unlock()
	in := decodeWire(data)
	op := wireOperationNames[in.operation]
	spec, c := s.keyAndCombo(in.keySpec, in.combo)
	sl, err := s.slot(ctx, slotID{spec, in.role})
	if err == nil {
		err = s.params(ctx, sl, c)
	}
	if err != nil {
		return s.setupFailure(fuzzer, fmt.Sprintf("%s on a %s %s key", op, in.role, spec), err)
	}
	requests := map[string]wireRequest{}
	var ambiguous bool
	var description string
	for _, world := range []string{"oracle", "target"} {
		w := &sl.oracle
		if world == "target" {
			w = &sl.target
		}
		base, secrets, err := in.baseMembers(sl, w, c)
		if err != nil {
			return s.setupFailure(fuzzer, fmt.Sprintf("%s on a %s %s key", op, in.role, spec), err)
		}
		members, twice := in.apply(base)
		ambiguous = twice
		req := wireRequest{
			Method:      methods[int(in.method)%len(methods)],
			Target:      targets(op)[int(in.target)%len(targets(op))],
			ContentType: contentTypes[int(in.contentType)%len(contentTypes)],
			Body:        in.body(members),
		}
		requests[world] = req
		if world == "oracle" {
			description = in.describe(op, spec, c, req, members, secrets)
		}
	}

	res := Result{Fuzzer: fuzzer, Target: s.targetName, Profile: s.profile, Input: description}
	predicted := make(chan Answer, 1)
	go func() { predicted <- s.oracle.serve(ctx, requests["oracle"]) }()
	act := s.target.send(ctx, requests["target"])
	model := <-predicted
	exp := Expectation{OK: model.OK(), Code: model.Code}
	if model.Err != nil || model.Status >= 500 || model.Malformed != "" || (!exp.OK && exp.Code == "") {
		res.problem("the oracle itself answered %s: a fault of the reference", model)
	}
	res.Rules = s.attribute(wireOperationRules[in.operation], exp)
	res.Exact = !exp.OK && s.strict
	res.Expected, res.Actual = exp, act
	res.checkAnswer(op, act)
	switch {
	case act.Err != nil || act.Status >= 500:
	case ambiguous:
		res.Input += " (a member is written twice with different values: any well-formed answer is right)"
	case !agree(exp, act, res.Exact, false):
		res.problem("the target answered %s where the oracle answered %s", act, model)
	}
	s.afterCall(ctx, sl, act.OK(), s.record(sl), &res)
	if in.operation == wireParameters && (act.OK() || model.OK()) {
		// The key has newer parameters than the slot's: a target that
		// honours only the latest (against IMP-018) would fail the next
		// inputs for this one's sake.
		s.retire(ctx, sl)
	}
	return res
}

// baseMembers is the well-formed body of the operation for a world's key,
// and the values in it that stand for the world's secrets or names (to be
// described, not printed).
func (in wireInput) baseMembers(sl *slot, w *worldKey, c combo) ([]member, map[string]string, error) {
	secrets := map[string]string{}
	id := jsonString(w.id)
	secrets[string(id)] = `"<the key ID>"`
	members := []member{{"KeyId", id}}
	switch in.operation {
	case wireImport:
		p := w.params[c][latest]
		blob, err := sl.ownWrapping(w, c)
		if err != nil {
			return nil, nil, err
		}
		token, material := jsonBlob(p.token), jsonBlob(blob)
		secrets[string(token)] = fmt.Sprintf(`"<the key's %s token, %s>"`, c, redact(p.token))
		secrets[string(material)] = fmt.Sprintf(`"<the key's material wrapped for it, %s>"`, redact(blob))
		members = append(members,
			member{"ImportToken", token},
			member{"EncryptedKeyMaterial", material},
			member{"ExpirationModel", jsonString(string(types.ExpirationModelTypeKeyMaterialDoesNotExpire))})
	case wireParameters:
		members = append(members,
			member{"WrappingAlgorithm", jsonString(string(c.Algorithm))},
			member{"WrappingKeySpec", jsonString(string(c.Spec))})
	}
	return members, secrets, nil
}

// describe renders a wire request for reports: long values by length and
// hash, the key's ID, token and wrapped material by name.
func (in wireInput) describe(op string, spec types.KeySpec, c combo, req wireRequest, members []member, secrets map[string]string) string {
	header := func(v *string) string {
		if v == nil {
			return "absent"
		}
		return fmt.Sprintf("%q", *v)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on a %s %s key (%s): %s, X-Amz-Target %s, Content-Type %s; body ", op, in.role, spec, c, req.Method, header(req.Target), header(req.ContentType))
	switch in.form {
	case bodyObject, bodyArray, bodyString, bodyTruncated, bodyTrailing, bodyBOM:
		var parts []string
		for _, m := range members {
			v := string(m.value)
			if named, ok := secrets[v]; ok {
				v = named
			} else if len(v) > 80 {
				sum := sha256.Sum256(m.value)
				v = fmt.Sprintf("<%d bytes of JSON, sha256:%s>", len(v), hex.EncodeToString(sum[:6]))
			}
			parts = append(parts, fmt.Sprintf("%q: %s", m.name, v))
		}
		fmt.Fprintf(&b, "{%s}", strings.Join(parts, ", "))
		switch in.form {
		case bodyArray:
			b.WriteString(" inside an array")
		case bodyString:
			b.WriteString(" as a JSON string")
		case bodyTruncated:
			fmt.Fprintf(&b, " cut after %d bytes", len(req.Body))
		case bodyTrailing:
			fmt.Fprintf(&b, " followed by %d more bytes", len(in.raw)+2)
		case bodyBOM:
			b.WriteString(" after a UTF-8 byte order mark")
		}
	case bodyRaw:
		fmt.Fprintf(&b, "%d raw bytes %q", len(req.Body), truncateForReport(req.Body))
	case bodyNull:
		b.WriteString("null")
	case bodyEmpty:
		b.WriteString("empty")
	}
	return b.String()
}

func truncateForReport(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
