//! Any input: the parser must not panic, and whatever it accepts must be canonical and must
//! survive a round trip through its string form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cid) = medchain_cid::from_bytes(data) {
        assert_eq!(cid.as_bytes(), data);
        let again = medchain_cid::from_str(&cid.to_string()).map(|c| c.into_bytes());
        assert_eq!(again, Ok(data.to_vec()), "its own string parses back to the same bytes");
    }
    let _ = medchain_cid::from_input(data);
    if let Ok(s) = core::str::from_utf8(data) {
        let _ = medchain_cid::from_str(s);
    }
});
