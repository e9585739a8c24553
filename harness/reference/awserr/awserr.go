// Package awserr is the error model of the reference KMS: every failure it
// reports is an AWS error code with a message, and the code alone decides the
// HTTP status. Callers classify errors by code, never by message.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is an AWS error code, as it appears in the "__type" member of an AWS
// JSON 1.1 error body and in the SDK's smithy.APIError.ErrorCode().
type Code string

// The codes the reference KMS answers with.
const (
	AccessDenied           Code = "AccessDeniedException"
	AlreadyExists          Code = "AlreadyExistsException"
	CustomKeyStoreNotFound Code = "CustomKeyStoreNotFoundException"
	Disabled               Code = "DisabledException"
	DryRunOperation        Code = "DryRunOperationException"
	ExpiredImportToken     Code = "ExpiredImportTokenException"
	IncorrectKey           Code = "IncorrectKeyException"
	IncorrectKeyMaterial   Code = "IncorrectKeyMaterialException"
	InvalidAliasName       Code = "InvalidAliasNameException"
	InvalidArn             Code = "InvalidArnException"
	InvalidCiphertext      Code = "InvalidCiphertextException"
	InvalidImportToken     Code = "InvalidImportTokenException"
	InvalidKeyUsage        Code = "InvalidKeyUsageException"
	InvalidMarker          Code = "InvalidMarkerException"
	KMSInternal            Code = "KMSInternalException"
	KMSInvalidMac          Code = "KMSInvalidMacException"
	KMSInvalidSignature    Code = "KMSInvalidSignatureException"
	KMSInvalidState        Code = "KMSInvalidStateException"
	LimitExceeded          Code = "LimitExceededException"
	NotFound               Code = "NotFoundException"
	Tag                    Code = "TagException"
	UnsupportedOperation   Code = "UnsupportedOperationException"
	Validation             Code = "ValidationException"
	Serialization          Code = "SerializationException"
	UnknownOperation       Code = "UnknownOperationException"
	RequestEntityTooLarge  Code = "RequestEntityTooLargeException"
	MethodNotAllowed       Code = "MethodNotAllowedException"

	// Authentication (SigV4), answered before any operation runs.
	MissingAuthenticationToken Code = "MissingAuthenticationTokenException"
	IncompleteSignature        Code = "IncompleteSignatureException"
	InvalidSignature           Code = "InvalidSignatureException"
	UnrecognizedClient         Code = "UnrecognizedClientException"
)

// Error is an AWS error: a code and a human-readable message.
type Error struct {
	Code    Code
	Message string
}

// New returns an error with the given code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// HTTPStatus is the status the reference answers this error with. AWS was
// observed answering 400 for every client error, including the codes whose
// model says 404 or 409 (research §2, decisions "HTTP status"); the
// protocol-level rejections get their natural status; server faults are 500.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case KMSInternal:
		return http.StatusInternalServerError
	case RequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	case MethodNotAllowed:
		return http.StatusMethodNotAllowed
	default:
		return http.StatusBadRequest
	}
}

// CodeOf returns the AWS code of err, or KMSInternal for an error that is
// not an *Error: anything unclassified is a fault of the reference itself.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return KMSInternal
}
