import COpenSSL

extension TLSKeyPair {
    /// A self-signed EC P-256 certificate for `hostNames` (DNS names or IP addresses, all put in the
    /// subject alternative name so that host-name verification accepts it), valid from `notBefore` to
    /// `notAfter` relative to now.
    public static func selfSigned(
        hostNames: [String],
        notBefore: Duration = .seconds(-3600),
        notAfter: Duration = .seconds(397 * 86_400)
    ) throws -> TLSKeyPair {
        try Self.make(
            commonName: hostNames.first ?? "localhost",
            hostNames: hostNames,
            isAuthority: false,
            issuer: nil,
            notBefore: notBefore,
            notAfter: notAfter
        )
    }

    /// A self-signed EC P-256 certificate authority, to issue certificates with ``issue(hostNames:notBefore:notAfter:)``.
    public static func certificateAuthority(
        commonName: String,
        notBefore: Duration = .seconds(-3600),
        notAfter: Duration = .seconds(10 * 365 * 86_400)
    ) throws -> TLSKeyPair {
        try Self.make(
            commonName: commonName,
            hostNames: [],
            isAuthority: true,
            issuer: nil,
            notBefore: notBefore,
            notAfter: notAfter
        )
    }

    /// An EC P-256 leaf certificate for `hostNames` signed by this certificate authority.
    /// The leaf is usable both by servers and by clients.
    public func issue(
        hostNames: [String],
        notBefore: Duration = .seconds(-3600),
        notAfter: Duration = .seconds(397 * 86_400)
    ) throws -> TLSKeyPair {
        try Self.make(
            commonName: hostNames.first ?? "client",
            hostNames: hostNames,
            isAuthority: false,
            issuer: self,
            notBefore: notBefore,
            notAfter: notAfter
        )
    }

    private static func make(
        commonName: String,
        hostNames: [String],
        isAuthority: Bool,
        issuer: TLSKeyPair?,
        notBefore: Duration,
        notAfter: Duration
    ) throws -> TLSKeyPair {
        ERR_clear_error()
        guard let key = mailtime_EVP_EC_gen_P256() else {
            throw TLSError.fromQueue(.invalidPrivateKey, "cannot generate a P-256 key")
        }
        defer { EVP_PKEY_free(key) }
        guard let certificate = X509_new() else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot allocate a certificate")
        }
        defer { X509_free(certificate) }

        var issuerCertificate = certificate
        var issuerKey = key
        var issuerObjects: (certificate: OpaquePointer, key: OpaquePointer)?
        if let issuer {
            let certificates = try OpenSSLPEM.certificates(from: issuer.certificatePEM)
            certificates.dropFirst().forEach { X509_free($0) }
            let signingKey: OpaquePointer
            do {
                signingKey = try OpenSSLPEM.privateKey(from: issuer.privateKeyPEM)
            } catch {
                X509_free(certificates[0])
                throw error
            }
            issuerObjects = (certificates[0], signingKey)
            issuerCertificate = certificates[0]
            issuerKey = signingKey
        }
        defer {
            if let issuerObjects {
                X509_free(issuerObjects.certificate)
                EVP_PKEY_free(issuerObjects.key)
            }
        }

        var serial: UInt64 = 0
        withUnsafeMutableBytes(of: &serial) { _ = RAND_bytes($0.baseAddress, 8) }
        let subject = X509_get_subject_name(certificate)
        guard
            X509_set_version(certificate, 2) == 1,
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial >> 1) == 1,
            X509_gmtime_adj(X509_getm_notBefore(certificate), Self.seconds(notBefore)) != nil,
            X509_gmtime_adj(X509_getm_notAfter(certificate), Self.seconds(notAfter)) != nil,
            X509_set_pubkey(certificate, key) == 1,
            X509_NAME_add_entry_by_txt(subject, "CN", mailtime_MBSTRING_ASC, commonName, -1, -1, 0) == 1,
            X509_set_issuer_name(certificate, X509_get_subject_name(issuerCertificate)) == 1
        else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot fill in the certificate")
        }

        var extensions: [(Int32, String)] = [
            (NID_subject_key_identifier, "hash"),
            (NID_authority_key_identifier, "keyid:always"),
        ]
        if isAuthority {
            extensions.append((NID_basic_constraints, "critical,CA:TRUE"))
            extensions.append((NID_key_usage, "critical,keyCertSign,cRLSign"))
        } else {
            extensions.append((NID_basic_constraints, "critical,CA:FALSE"))
            extensions.append((NID_key_usage, "critical,digitalSignature"))
            extensions.append((NID_ext_key_usage, "serverAuth,clientAuth"))
        }
        if !hostNames.isEmpty {
            let names = hostNames.map { Self.isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" }
            extensions.append((NID_subject_alt_name, names.joined(separator: ",")))
        }
        var extensionContext = X509V3_CTX()
        X509V3_set_ctx(&extensionContext, issuerCertificate, certificate, nil, nil, 0)
        for (nid, value) in extensions {
            guard let x509Extension = X509V3_EXT_conf_nid(nil, &extensionContext, nid, value) else {
                throw TLSError.fromQueue(.invalidCertificate, "cannot make the certificate extension \(value)")
            }
            defer { X509_EXTENSION_free(x509Extension) }
            guard X509_add_ext(certificate, x509Extension, -1) == 1 else {
                throw TLSError.fromQueue(.invalidCertificate, "cannot add the certificate extension \(value)")
            }
        }

        guard X509_sign(certificate, issuerKey, EVP_sha256()) > 0 else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot sign the certificate")
        }
        return TLSKeyPair(
            certificatePEM: try OpenSSLPEM.pem(certificate: certificate),
            privateKeyPEM: try OpenSSLPEM.pem(privateKey: key)
        )
    }

    private static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }

    static func isIPAddress(_ name: String) -> Bool {
        guard let address = a2i_IPADDRESS(name) else {
            ERR_clear_error()
            return false
        }
        ASN1_OCTET_STRING_free(address)
        return true
    }
}
