package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// describeConnError turns a failed request into a sentence that names the
// layer that failed: name resolution, TCP, TLS, or the clock.
func describeConnError(err error, host string, timedOut bool, timeout time.Duration) error {
	var (
		certErr   *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
		dnsErr    *net.DNSError
		opErr     *net.OpError
	)
	switch {
	case timedOut:
		return connErr(fmt.Sprintf("timeout: no response headers from %s within %v (-timeout)", host, timeout))
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		return connErr(fmt.Sprintf("TLS: the certificate of %s is not trusted: %v (-insecure skips verification, for testing only)", host, rootCause(err)))
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return connErr(fmt.Sprintf("TLS: %s does not speak TLS on this port (try http://)", host))
	case strings.Contains(err.Error(), "tls: "):
		return connErr(fmt.Sprintf("TLS handshake with %s failed: %v", host, rootCause(err)))
	case errors.As(err, &dnsErr):
		return connErr(fmt.Sprintf("cannot resolve %s: %v", dnsErr.Name, dnsErr.Err))
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return connErr(fmt.Sprintf("cannot connect to %s: %v", host, rootCause(err)))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return connErr(fmt.Sprintf("timeout talking to %s: %v", host, rootCause(err)))
	}
	return connErr(fmt.Sprintf("request to %s failed: %v", host, rootCause(err)))
}

// rootCause drops the "Get URL:" and "dial tcp ADDR:" layers net/http
// stacks on top of the error that says what went wrong.
func rootCause(err error) error {
	for {
		switch e := err.(type) {
		case *url.Error:
			err = e.Err
		case *net.OpError:
			err = e.Err
		default:
			return err
		}
	}
}
