//! Any input: the parser must not panic, and whatever it accepts must be canonical and must
//! survive a round trip through its string form.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cid) = medchain_cid::from_bytes(data) {
        assert_eq!(cid.as_bytes(), data);
        let again = medchain_cid::from_str(&cid.to_string()).expect("its own string parses");
        assert_eq!(again.as_bytes(), data);
    }
    let _ = medchain_cid::from_input(data);
    if let Ok(s) = core::str::from_utf8(data) {
        let _ = medchain_cid::from_str(s);
    }
});
