package quic

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestGenerateDevCerts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs")
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca := parsePEMCert(t, caPEM)
	if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Fatalf("CA certificate: IsCA %v, key usage %v", ca.IsCA, ca.KeyUsage)
	}
	for _, id := range []uint64{1, 2} {
		conf, err := LoadTLS(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		leaf := conf.Certificates[0].Leaf
		if got, err := certNodeID(leaf); err != nil || got != id {
			t.Fatalf("node %d: certificate names %d, %v", id, got, err)
		}
		if len(leaf.URIs) != 1 || leaf.URIs[0].String() != "octopii://node/"+map[uint64]string{1: "1", 2: "2"}[id] {
			t.Fatalf("node %d: URIs %v", id, leaf.URIs)
		}
		if !slices.Equal(leaf.DNSNames, []string{"localhost"}) || len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.IPv4(127, 0, 0, 1)) {
			t.Fatalf("node %d: SANs %v %v, want localhost and 127.0.0.1", id, leaf.DNSNames, leaf.IPAddresses)
		}
		if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			t.Fatalf("node %d: ext key usage %v, want server and client auth", id, leaf.ExtKeyUsage)
		}
		if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
			t.Fatalf("node %d: key %T, want ECDSA P-256", id, leaf.PublicKey)
		}
		if life := leaf.NotAfter.Sub(time.Now()); life < 364*24*time.Hour || life > 366*24*time.Hour {
			t.Fatalf("node %d: valid for another %v, want about a year", id, life)
		}
		if err := leaf.CheckSignatureFrom(ca); err != nil {
			t.Fatalf("node %d: not signed by the CA: %v", id, err)
		}
		if conf.ClientAuth != tls.RequireAndVerifyClientCert || conf.MinVersion != tls.VersionTLS13 ||
			!slices.Equal(conf.NextProtos, []string{ALPN}) || conf.RootCAs == nil || conf.ClientCAs == nil {
			t.Fatalf("node %d: config %+v", id, conf)
		}
		fi, err := os.Stat(filepath.Join(dir, nodeKeyFile(id)))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("node %d: key file mode %v, %v", id, fi.Mode(), err)
		}
	}

	// A second call adds node 3 under the same CA.
	if err := GenerateDevCerts(dir, []uint64{3}, []string{"10.0.0.3", "node3.example"}); err != nil {
		t.Fatal(err)
	}
	caPEM2, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(caPEM, caPEM2) {
		t.Fatal("second GenerateDevCerts replaced the CA")
	}
	conf3, err := LoadTLS(dir, 3)
	if err != nil {
		t.Fatal(err)
	}
	leaf3 := conf3.Certificates[0].Leaf
	if err := leaf3.CheckSignatureFrom(ca); err != nil {
		t.Fatalf("node 3 not signed by the existing CA: %v", err)
	}
	if !slices.Equal(leaf3.DNSNames, []string{"node3.example"}) || !leaf3.IPAddresses[0].Equal(net.ParseIP("10.0.0.3")) {
		t.Fatalf("node 3 SANs %v %v", leaf3.DNSNames, leaf3.IPAddresses)
	}

	if err := GenerateDevCerts(t.TempDir(), []uint64{0}, nil); err == nil {
		t.Fatal("node ID 0 accepted")
	}
	half := t.TempDir()
	if err := os.WriteFile(filepath.Join(half, "ca.pem"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := GenerateDevCerts(half, []uint64{1}, nil); err == nil {
		t.Fatal("a directory with ca.pem but no ca-key.pem accepted")
	}
}

func TestLoadTLSChecksIdentity(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{2}, nil); err != nil {
		t.Fatal(err)
	}
	// Node 2's files under node 5's names.
	for from, to := range map[string]string{nodeCertFile(2): nodeCertFile(5), nodeKeyFile(2): nodeKeyFile(5)} {
		b, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadTLS(dir, 5); !errors.Is(err, ErrIdentity) {
		t.Fatalf("LoadTLS of a certificate for another node: %v, want ErrIdentity", err)
	}
	if _, err := LoadTLS(dir, 6); err == nil {
		t.Fatal("LoadTLS of a missing node succeeded")
	}
}

// handshake runs a TLS handshake over an in-memory pipe and returns both
// sides' connection states.
func handshake(t *testing.T, client, server *tls.Config) (cs, ss tls.ConnectionState, cerr, serr error) {
	t.Helper()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	srv := tls.Server(c2, server)
	done := make(chan struct{})
	go func() {
		defer close(done)
		serr = srv.Handshake()
		if serr != nil {
			c2.Close() // unblock the client
		}
		ss = srv.ConnectionState()
	}()
	cli := tls.Client(c1, client)
	cerr = cli.Handshake()
	if cerr != nil {
		c1.Close()
	}
	cs = cli.ConnectionState()
	if cerr == nil {
		// TLS 1.3: the server verifies the client after the client is done;
		// a read makes the client see the server's verdict.
		_ = c1.SetReadDeadline(time.Now().Add(waitTimeout))
		go func() { _, _ = srv.Write([]byte{1}) }()
		if _, err := cli.Read(make([]byte, 1)); err != nil {
			cerr = err
		}
	}
	<-done
	return cs, ss, cerr, serr
}

func TestMutualTLSAndPeerID(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateDevCerts(dir, []uint64{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := GenerateDevCerts(other, []uint64{3}, nil); err != nil {
		t.Fatal(err)
	}
	load := func(dir string, id uint64) *tls.Config {
		c, err := LoadTLS(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		c.ServerName = "127.0.0.1"
		return c
	}
	c1, c2, c3 := load(dir, 1), load(dir, 2), load(other, 3)

	cs, ss, cerr, serr := handshake(t, c1, c2)
	if cerr != nil || serr != nil {
		t.Fatalf("handshake: client %v, server %v", cerr, serr)
	}
	if id, err := PeerID(cs); err != nil || id != 2 {
		t.Fatalf("client sees node %d, %v; want 2", id, err)
	}
	if id, err := PeerID(ss); err != nil || id != 1 {
		t.Fatalf("server sees node %d, %v; want 1", id, err)
	}

	// A client from another CA: both sides refuse.
	if _, _, cerr, serr := handshake(t, c3, c2); cerr == nil || serr == nil {
		t.Fatalf("foreign client: client %v, server %v; want both to fail", cerr, serr)
	}
	// A client that trusts the server but presents a foreign certificate.
	mixed := c1.Clone()
	mixed.Certificates = c3.Certificates
	if _, _, cerr, serr := handshake(t, mixed, c2); serr == nil || cerr == nil {
		t.Fatalf("foreign client certificate: client %v, server %v; want both to fail", cerr, serr)
	}

	// Not verified: no identity.
	unverified := tls.ConnectionState{PeerCertificates: cs.PeerCertificates}
	if _, err := PeerID(unverified); !errors.Is(err, ErrIdentity) {
		t.Fatalf("PeerID without verified chains: %v", err)
	}
}

func TestCertNodeID(t *testing.T) {
	u := func(s string) *url.URL {
		v, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		uris []*url.URL
		want uint64 // 0: ErrIdentity
	}{
		{"node 9", []*url.URL{NodeURI(9)}, 9},
		{"max", []*url.URL{NodeURI(1<<64 - 1)}, 1<<64 - 1},
		{"with another scheme", []*url.URL{u("spiffe://cluster/x"), NodeURI(4)}, 4},
		{"none", nil, 0},
		{"other scheme only", []*url.URL{u("spiffe://cluster/4")}, 0},
		{"two IDs", []*url.URL{NodeURI(4), NodeURI(5)}, 0},
		{"zero", []*url.URL{u("octopii://node/0")}, 0},
		{"leading zero", []*url.URL{u("octopii://node/04")}, 0},
		{"sign", []*url.URL{u("octopii://node/+4")}, 0},
		{"not a number", []*url.URL{u("octopii://node/four")}, 0},
		{"overflow", []*url.URL{u("octopii://node/18446744073709551616")}, 0},
		{"wrong host", []*url.URL{u("octopii://peer/4")}, 0},
		{"extra path", []*url.URL{u("octopii://node/4/5")}, 0},
		{"query", []*url.URL{u("octopii://node/4?x=1")}, 0},
	} {
		got, err := certNodeID(&x509.Certificate{URIs: tc.uris, Subject: pkix.Name{CommonName: tc.name}})
		if tc.want == 0 {
			if !errors.Is(err, ErrIdentity) {
				t.Errorf("%s: got %d, %v; want ErrIdentity", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
}

// TestPeerIDFromUnnamedCertificate: a certificate the CA signed but
// without a node URI verifies as TLS but carries no identity.
func TestPeerIDFromUnnamedCertificate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anonymous"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	cs := tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}, VerifiedChains: [][]*x509.Certificate{{cert}}}
	if _, err := PeerID(cs); !errors.Is(err, ErrIdentity) {
		t.Fatalf("PeerID of a certificate without a node URI: %v", err)
	}
}

func parsePEMCert(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("no certificate in %q", b)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
