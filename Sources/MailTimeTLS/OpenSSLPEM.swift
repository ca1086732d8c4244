import COpenSSL

/// Moves certificates and keys between PEM text and OpenSSL objects through memory BIOs.
enum OpenSSLPEM {
    /// Every certificate in `pem`, in order; the caller frees each with `X509_free`.
    static func certificates(from pem: String) throws -> [OpaquePointer] {
        let bio = try Self.readBIO(pem)
        defer { BIO_free(bio) }
        var certificates: [OpaquePointer] = []
        while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
            certificates.append(certificate)
        }
        // Reaching the end of the text leaves a "no start line" entry behind.
        ERR_clear_error()
        guard !certificates.isEmpty else {
            throw TLSError(.invalidCertificate, "no PEM certificate found")
        }
        return certificates
    }

    /// The private key in `pem`; the caller frees it with `EVP_PKEY_free`.
    static func privateKey(from pem: String) throws -> OpaquePointer {
        let bio = try Self.readBIO(pem)
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw TLSError.fromQueue(.invalidPrivateKey, "no PEM private key found")
        }
        return key
    }

    /// The PEM text of a certificate.
    static func pem(certificate: OpaquePointer) throws -> String {
        try Self.write { PEM_write_bio_X509($0, certificate) }
    }

    /// The unencrypted PKCS #8 PEM text of a private key.
    static func pem(privateKey: OpaquePointer) throws -> String {
        try Self.write { PEM_write_bio_PrivateKey($0, privateKey, nil, nil, 0, nil, nil) }
    }

    /// Runs `body` against an empty memory BIO and returns what it wrote.
    static func write(_ body: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        guard body(bio) > 0 else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot write PEM")
        }
        return Self.contents(of: bio)
    }

    /// The bytes held by a memory BIO, as text.
    static func contents(of bio: OpaquePointer) -> String {
        var memory: UnsafeMutablePointer<BUF_MEM>?
        mailtime_BIO_get_mem_ptr(bio, &memory)
        guard let memory, let data = memory.pointee.data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: memory.pointee.length), as: UTF8.self)
    }

    private static func readBIO(_ text: String) throws -> OpaquePointer {
        let bytes = Array(text.utf8)
        // BIO_new_mem_buf refers to the bytes without copying: copy them into a BIO that owns them.
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw TLSError.fromQueue(.invalidCertificate, "cannot allocate a memory BIO")
        }
        guard bytes.isEmpty || BIO_write(bio, bytes, Int32(bytes.count)) == Int32(bytes.count) else {
            BIO_free(bio)
            throw TLSError.fromQueue(.invalidCertificate, "cannot fill a memory BIO")
        }
        return bio
    }
}
