package awsquery

import (
	"net/http"
	"testing"
)

// discardWriter is a ResponseWriter that only counts, standing in for the
// server's buffered connection writer.
type discardWriter struct {
	h http.Header
	n int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

func BenchmarkWriteResponseDescribe1000(b *testing.B) {
	v := sampleDescribe(1000)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.n = 0
		if err := WriteResponse(w, "DescribeInstances", "req-1", &v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(w.n), "bytes/resp")
}

func BenchmarkWriteResponseDescribe1000Std(b *testing.B) {
	v := sampleDescribe(1000)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		bp := getBuf()
		out, err := appendStd((*bp)[:0], &v)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(out)
		*bp = out
		putBuf(bp)
	}
}

func BenchmarkWriteError(b *testing.B) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		WriteError(w, 400, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist", "req-1")
	}
}
