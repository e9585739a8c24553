package fuzz

import "encoding/binary"

// source hands out the bytes of one fuzz input in order. Past the end it
// gives zeros, so every input, the empty one included, decodes to a request:
// the zero choice of every field is the plain, valid one, and a short input
// means "the defaults for the rest". Decoding is a pure function of the
// bytes, so an input always decodes to the same request.
type source struct {
	data []byte
}

// byte returns the next byte, 0 past the end.
func (s *source) byte() byte {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

// uint16 returns the next two bytes, big-endian.
func (s *source) uint16() int {
	return int(s.byte())<<8 | int(s.byte())
}

// uint32 returns the next four bytes, big-endian.
func (s *source) uint32() uint32 {
	var b [4]byte
	for i := range b {
		b[i] = s.byte()
	}
	return binary.BigEndian.Uint32(b[:])
}

// choose returns a choice among n (n > 0).
func (s *source) choose(n int) int { return int(s.byte()) % n }

// take returns the next n bytes, as many as are left if fewer.
func (s *source) take(n int) []byte {
	n = min(n, len(s.data))
	out := append([]byte(nil), s.data[:n]...)
	s.data = s.data[n:]
	return out
}

// encoder writes the bytes a decoder reads, for the seed corpus: each
// decoder has an encode method that is its inverse.
type encoder struct {
	out []byte
}

func (e *encoder) byte(b byte) { e.out = append(e.out, b) }

func (e *encoder) uint16(v int) { e.out = append(e.out, byte(v>>8), byte(v)) }

func (e *encoder) uint32(v uint32) { e.out = binary.BigEndian.AppendUint32(e.out, v) }

func (e *encoder) bytes(b []byte) { e.out = append(e.out, b...) }
