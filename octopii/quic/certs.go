package quic

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ALPN is the application protocol negotiated on every connection.
const ALPN = "octopii/1"

// Node identity in certificates: a URI SAN octopii://node/<id>.
const (
	uriScheme = "octopii"
	uriHost   = "node"
)

// devCertValidity is how long GenerateDevCerts' certificates last.
const devCertValidity = 365 * 24 * time.Hour

// File names in a certificate directory.
const (
	caCertFile = "ca.pem"
	caKeyFile  = "ca-key.pem"
)

func nodeCertFile(id uint64) string { return fmt.Sprintf("node-%d.pem", id) }
func nodeKeyFile(id uint64) string  { return fmt.Sprintf("node-%d-key.pem", id) }

// NodeURI returns the URI SAN that names node id in its certificate.
func NodeURI(id uint64) *url.URL {
	return &url.URL{Scheme: uriScheme, Host: uriHost, Path: "/" + strconv.FormatUint(id, 10)}
}

// GenerateDevCerts writes a development CA and a certificate per node into
// dir (created if missing): ca.pem, ca-key.pem, node-<id>.pem and
// node-<id>-key.pem, ECDSA P-256, valid for one year. If dir already holds
// ca.pem and ca-key.pem, that CA signs the new node certificates, so nodes
// can be added to a dev cluster later. Node certificates are valid for
// server and client authentication, for hosts (IP addresses or DNS names;
// default "127.0.0.1" and "localhost"), and carry the node ID as the URI SAN
// octopii://node/<id>. Keys are written with mode 0600.
func GenerateDevCerts(dir string, ids []uint64, hosts []string) error {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	for _, id := range ids {
		if id == 0 {
			return errors.New("octopii/quic: generate certs: node ID 0")
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("octopii/quic: generate certs: %w", err)
	}
	ca, caKey, err := loadOrCreateCA(dir)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := writeNodeCert(dir, id, hosts, ca, caKey); err != nil {
			return err
		}
	}
	return nil
}

// loadOrCreateCA returns the CA of dir, creating it if dir has none.
func loadOrCreateCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certPEM, certErr := os.ReadFile(filepath.Join(dir, caCertFile))
	keyPEM, keyErr := os.ReadFile(filepath.Join(dir, caKeyFile))
	if certErr == nil && keyErr == nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, nil, fmt.Errorf("octopii/quic: load CA from %s: %w", dir, err)
		}
		signer, ok := pair.PrivateKey.(crypto.Signer)
		if !ok || pair.Leaf == nil || !pair.Leaf.IsCA {
			return nil, nil, fmt.Errorf("octopii/quic: load CA from %s: not a CA certificate and signing key", dir)
		}
		return pair.Leaf, signer, nil
	}
	if !errors.Is(certErr, os.ErrNotExist) || !errors.Is(keyErr, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("octopii/quic: load CA from %s: need both %s and %s: %w", dir, caCertFile, caKeyFile, errors.Join(certErr, keyErr))
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("octopii/quic: generate CA key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "octopii dev CA"},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew between nodes
		NotAfter:              now.Add(devCertValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("octopii/quic: create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("octopii/quic: parse CA certificate: %w", err)
	}
	if err := writePEMFiles(dir, caCertFile, caKeyFile, der, key); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// writeNodeCert issues node id's certificate, signed by ca.
func writeNodeCert(dir string, id uint64, hosts []string, ca *x509.Certificate, caKey crypto.Signer) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("octopii/quic: generate key for node %d: %w", id, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: fmt.Sprintf("octopii node %d", id)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(devCertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{NodeURI(id)},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("octopii/quic: create certificate for node %d: %w", id, err)
	}
	return writePEMFiles(dir, nodeCertFile(id), nodeKeyFile(id), der, key)
}

// writePEMFiles writes a certificate (mode 0644) and its key (mode 0600).
func writePEMFiles(dir, certName, keyName string, certDER []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("octopii/quic: marshal key %s: %w", keyName, err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		return fmt.Errorf("octopii/quic: write %s: %w", keyName, err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	if err := os.WriteFile(filepath.Join(dir, certName), certPEM, 0o644); err != nil {
		return fmt.Errorf("octopii/quic: write %s: %w", certName, err)
	}
	return nil
}

func randomSerial() *big.Int {
	// 128 random bits; rand.Int only fails if the system RNG does, and
	// crypto/rand's Reader never returns an error (it crashes the program).
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic(fmt.Sprintf("octopii/quic: serial number: %v", err))
	}
	return n
}

// LoadTLS builds the TLS configuration of node id from a directory written
// by GenerateDevCerts (or laid out the same way): the node's certificate,
// the CA as RootCAs and ClientCAs, ClientAuth RequireAndVerifyClientCert,
// TLS 1.3 and ALPN "octopii/1". It fails if the certificate does not carry
// node id.
func LoadTLS(dir string, id uint64) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, nodeCertFile(id)), filepath.Join(dir, nodeKeyFile(id)))
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: load certificate of node %d: %w", id, err)
	}
	got, err := certNodeID(pair.Leaf)
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: load certificate of node %d: %w", id, err)
	}
	if got != id {
		return nil, fmt.Errorf("octopii/quic: load certificate of node %d: it names node %d: %w", id, got, ErrIdentity)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if err != nil {
		return nil, fmt.Errorf("octopii/quic: load CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("octopii/quic: load CA: no certificate in %s", filepath.Join(dir, caCertFile))
	}
	return &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{ALPN},
	}, nil
}

// PeerID returns the node ID carried by the peer's verified certificate in
// cs. It fails (ErrIdentity) if the certificate was not verified or does
// not carry exactly one octopii://node/<id> URI.
func PeerID(cs tls.ConnectionState) (uint64, error) {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return 0, fmt.Errorf("octopii/quic: peer certificate not verified: %w", ErrIdentity)
	}
	return certNodeID(cs.VerifiedChains[0][0])
}

// certNodeID returns the node ID in cert's URI SANs.
func certNodeID(cert *x509.Certificate) (uint64, error) {
	var id uint64
	found := 0
	for _, u := range cert.URIs {
		if u.Scheme != uriScheme {
			continue
		}
		found++
		digits, ok := strings.CutPrefix(u.Path, "/")
		if u.Host != uriHost || !ok || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return 0, fmt.Errorf("octopii/quic: certificate URI %q is not octopii://node/<id>: %w", u, ErrIdentity)
		}
		n, err := strconv.ParseUint(digits, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != digits {
			return 0, fmt.Errorf("octopii/quic: certificate URI %q has no valid node ID: %w", u, ErrIdentity)
		}
		id = n
	}
	switch found {
	case 0:
		return 0, fmt.Errorf("octopii/quic: certificate %q carries no node ID: %w", cert.Subject.CommonName, ErrIdentity)
	case 1:
		return id, nil
	default:
		return 0, fmt.Errorf("octopii/quic: certificate %q carries %d node IDs: %w", cert.Subject.CommonName, found, ErrIdentity)
	}
}
