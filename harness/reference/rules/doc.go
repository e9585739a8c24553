// Package rules is the decision layer of the reference KMS: what AWS KMS
// does with a request, given the key it names, the profile (the revision of
// AWS's rules the server behaves as), the time and the mutants switched on.
// Every decision is a function from a key record and a request to a new key
// record and a response, or an AWS error. Nothing here does I/O, keeps state
// or reads a clock (it only draws random numbers for new keys, nonces and
// data keys), so the fuzz oracle can call the decisions directly
// (DecideImportKeyMaterial) to predict the answer a target must give.
//
// Each rule carries the ID of the research catalogue
// (shared/research/aws-import-rules.md) in a comment where it is enforced.
// Where AWS does not name the exception, the comment says "decisions choose"
// and gives the project's choice, which the catalogue
// (suites/catalogue/rules.yaml) records as evidence "inferred"; where the
// behaviour itself is unconfirmed, the comment says what the reference does
// and why (e.g. IMP-039 at openToken, IMP-066 at reimport).
//
// An operation on an existing key is a KeyOperation: Validate checks the
// request alone (AWS reports constraint violations before it looks at the
// key), KeyRef names the key, Locate applies the operation's rules on what a
// request may name (aliases, keys of other accounts and Regions), Decide
// decides on the key's record as it is at the request's time (imported
// material expires lazily, on access). CreateKey, ListKeys and ListAliases,
// which decide on no one key, are plain functions.
//
// The keys of a multi-Region key set (a primary and its replicas, one per
// Region) are records of their own; a decision on one of them sees the others
// (Env.Related), and SyncMultiRegion makes the set agree after it.
package rules
