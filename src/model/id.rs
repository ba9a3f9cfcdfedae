//! Entity ids: strings on our side, accepted as strings or numbers from the
//! server, and UUID v4 ids generated from caller-supplied random bytes.

/// A UUID v4 (RFC 9562) from 16 random bytes, lowercase hyphenated.
pub fn new_id(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v4_shape() {
        let id = new_id([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = new_id([0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
        let id = new_id([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(id, "12345678-9abc-4ef0-9234-56789abcdef0");
    }
}
