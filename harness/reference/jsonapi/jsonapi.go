// Package jsonapi is the AWS JSON 1.1 protocol of the reference KMS: it
// reads a request (POST, X-Amz-Target: TrentService.<Operation>,
// Content-Type: application/x-amz-json-1.1, a JSON body with base64 blobs and
// epoch-second timestamps), hands the decoded input to a Service, and writes
// the output or the error ({"__type": code, "message": text}) back.
//
// No KMS rule lives here. The only failures this layer produces itself are
// those of the protocol: an unknown operation, a body that is not JSON or has
// members of the wrong JSON type, a body over the size limit. Who sent a
// request is the Service's to say (Authenticate), before anything else of the
// request is looked at. Every answer is a well-formed AWS JSON response, and
// a panic in the service is answered as KMSInternalException rather than a
// dropped connection.
package jsonapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/kmsconform/kmsconform/harness/reference/awserr"
	"github.com/kmsconform/kmsconform/harness/reference/kmsapi"
)

// ContentType is the media type of AWS JSON 1.1 requests and responses.
const ContentType = "application/x-amz-json-1.1"

// targetPrefix is the X-Amz-Target prefix of KMS: the service's Smithy name.
const targetPrefix = "TrentService."

// Service is what serves the operations. Authenticate says who sent a
// request (its body is given, for the signature), or why the request is
// refused. Supports says whether an operation exists at all for this service
// (operations come and go with the profile).
type Service interface {
	Authenticate(r *http.Request, body []byte) (kmsapi.Caller, error)
	Supports(operation string) bool

	CreateKey(context.Context, kmsapi.Caller, *kmsapi.CreateKeyInput) (*kmsapi.CreateKeyOutput, error)
	DescribeKey(context.Context, kmsapi.Caller, *kmsapi.DescribeKeyInput) (*kmsapi.DescribeKeyOutput, error)
	ListKeys(context.Context, kmsapi.Caller, *kmsapi.ListKeysInput) (*kmsapi.ListKeysOutput, error)
	GetParametersForImport(context.Context, kmsapi.Caller, *kmsapi.GetParametersForImportInput) (*kmsapi.GetParametersForImportOutput, error)
	ImportKeyMaterial(context.Context, kmsapi.Caller, *kmsapi.ImportKeyMaterialInput) (*kmsapi.ImportKeyMaterialOutput, error)
	DeleteImportedKeyMaterial(context.Context, kmsapi.Caller, *kmsapi.DeleteImportedKeyMaterialInput) (*kmsapi.DeleteImportedKeyMaterialOutput, error)
	EnableKey(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error)
	DisableKey(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error)
	ScheduleKeyDeletion(context.Context, kmsapi.Caller, *kmsapi.ScheduleKeyDeletionInput) (*kmsapi.ScheduleKeyDeletionOutput, error)
	CancelKeyDeletion(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.KeyIDOutput, error)
	Encrypt(context.Context, kmsapi.Caller, *kmsapi.EncryptInput) (*kmsapi.EncryptOutput, error)
	Decrypt(context.Context, kmsapi.Caller, *kmsapi.DecryptInput) (*kmsapi.DecryptOutput, error)
	GenerateDataKey(context.Context, kmsapi.Caller, *kmsapi.GenerateDataKeyInput) (*kmsapi.GenerateDataKeyOutput, error)
	GenerateDataKeyWithoutPlaintext(context.Context, kmsapi.Caller, *kmsapi.GenerateDataKeyInput) (*kmsapi.GenerateDataKeyWithoutPlaintextOutput, error)
	GetPublicKey(context.Context, kmsapi.Caller, *kmsapi.GetPublicKeyInput) (*kmsapi.GetPublicKeyOutput, error)
	PutKeyPolicy(context.Context, kmsapi.Caller, *kmsapi.PutKeyPolicyInput) (*kmsapi.PutKeyPolicyOutput, error)
	GetKeyPolicy(context.Context, kmsapi.Caller, *kmsapi.GetKeyPolicyInput) (*kmsapi.GetKeyPolicyOutput, error)
	Sign(context.Context, kmsapi.Caller, *kmsapi.SignInput) (*kmsapi.SignOutput, error)
	Verify(context.Context, kmsapi.Caller, *kmsapi.VerifyInput) (*kmsapi.VerifyOutput, error)
	GenerateMac(context.Context, kmsapi.Caller, *kmsapi.GenerateMacInput) (*kmsapi.GenerateMacOutput, error)
	VerifyMac(context.Context, kmsapi.Caller, *kmsapi.VerifyMacInput) (*kmsapi.VerifyMacOutput, error)
	RotateKeyOnDemand(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.KeyIDOutput, error)
	ListKeyRotations(context.Context, kmsapi.Caller, *kmsapi.ListKeyRotationsInput) (*kmsapi.ListKeyRotationsOutput, error)
	EnableKeyRotation(context.Context, kmsapi.Caller, *kmsapi.EnableKeyRotationInput) (*kmsapi.EmptyOutput, error)
	DisableKeyRotation(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.EmptyOutput, error)
	GetKeyRotationStatus(context.Context, kmsapi.Caller, *kmsapi.KeyIDInput) (*kmsapi.GetKeyRotationStatusOutput, error)
	TagResource(context.Context, kmsapi.Caller, *kmsapi.TagResourceInput) (*kmsapi.EmptyOutput, error)
	ListResourceTags(context.Context, kmsapi.Caller, *kmsapi.ListResourceTagsInput) (*kmsapi.ListResourceTagsOutput, error)
	ReEncrypt(context.Context, kmsapi.Caller, *kmsapi.ReEncryptInput) (*kmsapi.ReEncryptOutput, error)
	DeriveSharedSecret(context.Context, kmsapi.Caller, *kmsapi.DeriveSharedSecretInput) (*kmsapi.DeriveSharedSecretOutput, error)
	CreateAlias(context.Context, kmsapi.Caller, *kmsapi.CreateAliasInput) (*kmsapi.EmptyOutput, error)
	DeleteAlias(context.Context, kmsapi.Caller, *kmsapi.DeleteAliasInput) (*kmsapi.EmptyOutput, error)
	ListAliases(context.Context, kmsapi.Caller, *kmsapi.ListAliasesInput) (*kmsapi.ListAliasesOutput, error)
	ReplicateKey(context.Context, kmsapi.Caller, *kmsapi.ReplicateKeyInput) (*kmsapi.ReplicateKeyOutput, error)
}

// operation decodes a body and calls the service.
type operation func(Service, context.Context, kmsapi.Caller, []byte) (any, error)

func bind[In, Out any](call func(Service, context.Context, kmsapi.Caller, *In) (*Out, error)) operation {
	return func(svc Service, ctx context.Context, c kmsapi.Caller, body []byte) (any, error) {
		in := new(In)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		out, err := call(svc, ctx, c, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// operations maps the operation names of X-Amz-Target to their handlers.
var operations = map[string]operation{
	"CreateKey":                       bind(Service.CreateKey),
	"DescribeKey":                     bind(Service.DescribeKey),
	"ListKeys":                        bind(Service.ListKeys),
	"GetParametersForImport":          bind(Service.GetParametersForImport),
	"ImportKeyMaterial":               bind(Service.ImportKeyMaterial),
	"DeleteImportedKeyMaterial":       bind(Service.DeleteImportedKeyMaterial),
	"EnableKey":                       bind(Service.EnableKey),
	"DisableKey":                      bind(Service.DisableKey),
	"ScheduleKeyDeletion":             bind(Service.ScheduleKeyDeletion),
	"CancelKeyDeletion":               bind(Service.CancelKeyDeletion),
	"Encrypt":                         bind(Service.Encrypt),
	"Decrypt":                         bind(Service.Decrypt),
	"GenerateDataKey":                 bind(Service.GenerateDataKey),
	"GenerateDataKeyWithoutPlaintext": bind(Service.GenerateDataKeyWithoutPlaintext),
	"GetPublicKey":                    bind(Service.GetPublicKey),
	"PutKeyPolicy":                    bind(Service.PutKeyPolicy),
	"GetKeyPolicy":                    bind(Service.GetKeyPolicy),
	"Sign":                            bind(Service.Sign),
	"Verify":                          bind(Service.Verify),
	"GenerateMac":                     bind(Service.GenerateMac),
	"VerifyMac":                       bind(Service.VerifyMac),
	"RotateKeyOnDemand":               bind(Service.RotateKeyOnDemand),
	"ListKeyRotations":                bind(Service.ListKeyRotations),
	"EnableKeyRotation":               bind(Service.EnableKeyRotation),
	"DisableKeyRotation":              bind(Service.DisableKeyRotation),
	"GetKeyRotationStatus":            bind(Service.GetKeyRotationStatus),
	"TagResource":                     bind(Service.TagResource),
	"ListResourceTags":                bind(Service.ListResourceTags),
	"ReEncrypt":                       bind(Service.ReEncrypt),
	"DeriveSharedSecret":              bind(Service.DeriveSharedSecret),
	"CreateAlias":                     bind(Service.CreateAlias),
	"DeleteAlias":                     bind(Service.DeleteAlias),
	"ListAliases":                     bind(Service.ListAliases),
	"ReplicateKey":                    bind(Service.ReplicateKey),
}

// Operations lists the operation names this layer can route.
func Operations() []string {
	out := make([]string, 0, len(operations))
	for name := range operations {
		out = append(out, name)
	}
	return out
}

// Handler serves a Service over HTTP.
type Handler struct {
	svc      Service
	maxBytes int64
}

// NewHandler returns a handler for svc that refuses request bodies larger
// than maxBytes.
func NewHandler(svc Service, maxBytes int64) *Handler {
	return &Handler{svc: svc, maxBytes: maxBytes}
}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			writeError(w, awserr.New(awserr.KMSInternal, "internal error: %v", v))
		}
	}()
	out, err := h.serve(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		writeError(w, awserr.New(awserr.KMSInternal, "encoding the response: %v", err))
		return
	}
	writeHeaders(w)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// serve reads and authenticates a request, then runs its operation. The
// body is read first, since the signature covers it.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (any, error) {
	if r.Method != http.MethodPost {
		return nil, awserr.New(awserr.MethodNotAllowed, "Only POST requests are accepted, not %s.", r.Method)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, awserr.New(awserr.RequestEntityTooLarge, "The request body is larger than %d bytes.", h.maxBytes)
		}
		return nil, awserr.New(awserr.Serialization, "Reading the request body failed: %v", err)
	}
	caller, err := h.svc.Authenticate(r, body)
	if err != nil {
		return nil, err
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	op, known := operations[name]
	if !ok || !known || !h.svc.Supports(name) {
		return nil, awserr.New(awserr.UnknownOperation, "Unknown operation %q.", target)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != ContentType {
		return nil, awserr.New(awserr.Serialization, "Content-Type must be %s.", ContentType)
	}
	return op(h.svc, r.Context(), caller, body)
}

func writeHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-Requestid", requestID())
}

func writeError(w http.ResponseWriter, err error) {
	var e *awserr.Error
	if !errors.As(err, &e) {
		e = awserr.New(awserr.KMSInternal, "%v", err)
	}
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{string(e.Code), e.Message})
	writeHeaders(w)
	if e.Code == awserr.MethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.WriteHeader(e.HTTPStatus())
	w.Write(body)
}

// requestID returns a random UUID, as AWS puts in x-amzn-RequestId.
func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
