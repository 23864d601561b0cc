package quic

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1}, nil); err != nil {
		t.Fatal(err)
	}
	tlsConf, err := LoadTLS(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	good := Config{ID: 1, ListenAddr: "127.0.0.1:0", TLS: tlsConf, Handler: newRecorder()}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	d := good.withDefaults()
	if d.MaxMessageBytes != 64<<20 || d.QueueLen != 4096 || d.DialTimeout != 2*time.Second ||
		d.MinBackoff != 50*time.Millisecond || d.MaxBackoff != 2*time.Second ||
		d.IdleTimeout != DefaultIdleTimeout || d.MaxSnapshotSends != 2 || d.Logger == nil {
		t.Fatalf("defaults %+v", d)
	}

	withTLS := func(f func(*tls.Config)) *tls.Config {
		c := tlsConf.Clone()
		f(c)
		return c
	}
	for _, tc := range []struct {
		name   string
		edit   func(*Config)
		substr string
	}{
		{"no ID", func(c *Config) { c.ID = 0 }, "ID"},
		{"no address", func(c *Config) { c.ListenAddr = "" }, "ListenAddr"},
		{"no handler", func(c *Config) { c.Handler = nil }, "Handler"},
		{"no TLS", func(c *Config) { c.TLS = nil }, "TLS is required"},
		{"no certificate", func(c *Config) { c.TLS = withTLS(func(t *tls.Config) { t.Certificates = nil }) }, "no certificate"},
		{"insecure", func(c *Config) { c.TLS = withTLS(func(t *tls.Config) { t.InsecureSkipVerify = true }) }, "InsecureSkipVerify"},
		{"no client auth", func(c *Config) { c.TLS = withTLS(func(t *tls.Config) { t.ClientAuth = tls.RequestClientCert }) }, "ClientAuth"},
		{"certificate of another node", func(c *Config) { c.ID = 2 }, "node 1, not 2"},
		{"negative MaxMessageBytes", func(c *Config) { c.MaxMessageBytes = -1 }, "MaxMessageBytes"},
		{"MaxMessageBytes over 4 GiB", func(c *Config) { c.MaxMessageBytes = 1 << 32 }, "MaxMessageBytes"},
		{"negative QueueLen", func(c *Config) { c.QueueLen = -1 }, "QueueLen"},
		{"negative DialTimeout", func(c *Config) { c.DialTimeout = -1 }, "DialTimeout"},
		{"backoff inverted", func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Second, time.Millisecond }, "backoff"},
		{"MinBackoff over default MaxBackoff", func(c *Config) { c.MinBackoff = 3 * time.Second }, "backoff"},
		{"negative IdleTimeout", func(c *Config) { c.IdleTimeout = -1 }, "IdleTimeout"},
		{"negative MaxSnapshotSends", func(c *Config) { c.MaxSnapshotSends = -1 }, "MaxSnapshotSends"},
	} {
		c := good
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.substr) {
			t.Errorf("%s: err %v, want one mentioning %q", tc.name, err, tc.substr)
		}
		if _, nerr := New(c); nerr == nil {
			t.Errorf("%s: New accepted the config", tc.name)
		}
	}
	c := good
	c.ID = 2
	if err := c.Validate(); !errors.Is(err, ErrIdentity) {
		t.Errorf("certificate of another node: %v, want ErrIdentity", err)
	}
}
