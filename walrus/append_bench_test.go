package walrus

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkAppend measures appends/s per durability mode, entry size and
// producer count on the real file system. The comparison with peers lives in
// bench/ (cd bench && go run . walrus).
func BenchmarkAppend(b *testing.B) {
	for _, d := range []Durability{Interval, None, Sync} {
		for _, size := range []int{128, 1024} {
			for _, producers := range []int{1, 4, 16} {
				b.Run(fmt.Sprintf("%s/%dB/p%d", d, size, producers), func(b *testing.B) {
					l, err := Open(b.TempDir(), Options{Durability: d})
					if err != nil {
						b.Fatal(err)
					}
					defer l.Close()
					l.CreateTopic("b")
					tp, _ := l.Topic("b")
					v := make([]byte, size)
					b.ReportAllocs()
					b.SetBytes(int64(size))
					b.ResetTimer()
					var wg sync.WaitGroup
					per := b.N / producers
					for p := 0; p < producers; p++ {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := 0; i < per; i++ {
								if _, err := tp.Append(v); err != nil {
									b.Error(err)
									return
								}
							}
						}()
					}
					wg.Wait()
					if err := tp.Sync(); err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(per*producers)/b.Elapsed().Seconds(), "appends/s")
				})
			}
		}
	}
}
