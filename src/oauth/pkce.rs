//! PKCE (RFC 7636) with the S256 method.

use base64ct::{Base64UrlUnpadded, Encoding};

/// A code verifier from random bytes: base64url without padding
/// (32 bytes give the 43 characters RFC 7636 asks as a minimum).
pub fn verifier_from_bytes(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn challenge_s256(verifier: &str) -> String {
    Base64UrlUnpadded::encode_string(&hmac_sha256::Hash::hash(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    #[test]
    fn rfc7636_appendix_b() {
        let bytes = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
            88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = verifier_from_bytes(&bytes);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(challenge_s256(&verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
