# curl to an internal HTTPS service whose certificate the company CA signed.
# On the good host the CA was added to the system bundle
# (/etc/ssl/certs/ca-certificates.crt, as update-ca-certificates does); on the
# bad host the bundle lacks it, and curl says "SSL certificate problem:
# unable to get local issuer certificate". The TLS server is openssl s_server
# in the host's network namespace. Class 4 of issue 12: the bundle read with
# different content is the culprit.
DESCRIPTION="curl https: the CA bundle lacks the company CA"
NEEDS=(curl openssl)

prepare() {
  mkdir -p "$S/pki"
  cd "$S/pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/O=Example Corp/CN=Example Corp Internal Root CA" \
    -keyout ca.key -out ca.pem 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=app.internal" -keyout server.key -out server.csr 2>/dev/null
  printf 'subjectAltName=DNS:app.internal\n' >san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile san.ext \
    -out server.pem 2>/dev/null
  cp /etc/ssl/certs/ca-certificates.crt bundle-bad.crt
  cat /etc/ssl/certs/ca-certificates.crt ca.pem >bundle-good.crt
  chmod 644 bundle-*.crt
  cd "$S"
}

host() {
  case $1 in
    good*) bind_mount "$S/pki/bundle-good.crt" /etc/ssl/certs/ca-certificates.crt ;;
    *) bind_mount "$S/pki/bundle-bad.crt" /etc/ssl/certs/ca-certificates.crt ;;
  esac
  private_etc hosts
  echo "127.0.0.1 app.internal" >>/etc/hosts
  service tls openssl s_server -quiet -accept 127.0.0.1:8443 -cert "$S/pki/server.pem" -key "$S/pki/server.key" -www
  wait_until 10 listening 8443
  CMD=(curl -sS --max-time 10 https://app.internal:8443/)
}

good_ok() { expect_rc 0; expect_out 's_server'; }
bad_fails() { expect_rc 60; expect_err 'SSL certificate problem: unable to get local issuer certificate'; }
