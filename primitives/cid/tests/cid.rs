//! What the chain accepts as a CID, and what it refuses, by name.

use cid::{multihash::Multihash, Cid};
use medchain_cid::{from_bytes, from_input, from_str, CidError, MAX_CID_BYTES};
use proptest::prelude::*;

const CODECS: [u64; 3] = [0x55, 0x70, 0x71];
const HASHES: [u64; 3] = [0x12, 0xb220, 0x1e];

fn v1(codec: u64, hash: u64, digest: &[u8]) -> Vec<u8> {
    let mh = Multihash::<64>::wrap(hash, digest).unwrap();
    Cid::new_v1(codec, mh).to_bytes()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn kubo_cids_parse_and_print_as_kubo_prints_them() {
    // `ipfs add --cid-version 1 --raw-leaves` of "hello world": raw, sha2-256 of the bytes.
    let digest = hex("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    let bytes = v1(0x55, 0x12, &digest);
    let cid = from_bytes(&bytes).unwrap();
    assert_eq!(
        cid.to_string(),
        "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
    );
    assert_eq!(
        from_str(&cid.to_string()).unwrap().as_bytes(),
        bytes.as_slice()
    );
    assert_eq!(cid.digest(), digest.as_slice());

    // CIDv0 of the same multihash: base58btc, dag-pb.
    let mut v0 = vec![0x12, 0x20];
    v0.extend_from_slice(&digest);
    let cid0 = from_bytes(&v0).unwrap();
    assert_eq!(cid0.version(), 0);
    assert!(cid0.to_string().starts_with("Qm"));
    assert_eq!(
        from_str(&cid0.to_string()).unwrap().as_bytes(),
        v0.as_slice()
    );
}

#[test]
fn input_may_be_the_string_or_the_binary_form() {
    let bytes = v1(0x70, 0x12, &[7u8; 32]);
    let s = from_bytes(&bytes).unwrap().to_string();
    assert_eq!(
        from_input(s.as_bytes()).unwrap().as_bytes(),
        bytes.as_slice()
    );
    assert_eq!(from_input(&bytes).unwrap().as_bytes(), bytes.as_slice());
}

#[test]
fn refusals_name_the_fault() {
    assert_eq!(from_bytes(&[]), Err(CidError::Empty));
    assert_eq!(
        from_bytes(&[1u8; MAX_CID_BYTES + 1]),
        Err(CidError::TooLong)
    );
    assert_eq!(
        from_bytes(&v1(0x0129, 0x12, &[1; 32])),
        Err(CidError::UnsupportedCodec),
        "dag-json"
    );
    assert_eq!(
        from_bytes(&v1(0x55, 0x13, &[1; 32])),
        Err(CidError::UnsupportedHash),
        "sha2-512 (truncated)"
    );
    assert_eq!(
        from_bytes(&v1(0x55, 0x13, &[1; 64])),
        Err(CidError::TooLong),
        "a full sha2-512 CID is 68 bytes"
    );
    assert_eq!(
        from_bytes(&v1(0x55, 0x1e, &[1; 20])),
        Err(CidError::WrongDigestLength),
        "short blake3"
    );
    let mut trailing = v1(0x55, 0x12, &[1; 32]);
    trailing.push(0);
    assert_eq!(from_bytes(&trailing), Err(CidError::NotCanonical));
    let truncated = &v1(0x55, 0x12, &[1; 32])[..20];
    assert_eq!(from_bytes(truncated), Err(CidError::Malformed));
    assert_eq!(
        from_str("/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"),
        Err(CidError::Malformed)
    );
    assert_eq!(from_str("hello"), Err(CidError::Malformed));
    assert_eq!(from_str(""), Err(CidError::Empty));
}

proptest! {
    #[test]
    fn every_accepted_kind_round_trips(codec in 0usize..3, hash in 0usize..3, digest in proptest::array::uniform32(any::<u8>())) {
        let bytes = v1(CODECS[codec], HASHES[hash], &digest);
        let cid = from_bytes(&bytes).unwrap();
        prop_assert_eq!(cid.version(), 1);
        prop_assert_eq!(cid.codec().code(), CODECS[codec]);
        prop_assert_eq!(cid.hash_fn().code(), HASHES[hash]);
        prop_assert!(cid.as_bytes().len() <= MAX_CID_BYTES);
        let again = from_str(&cid.to_string()).unwrap();
        prop_assert_eq!(again.as_bytes(), bytes.as_slice());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_accepted_ones_are_canonical(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(cid) = from_bytes(&bytes) {
            prop_assert_eq!(cid.as_bytes(), bytes.as_slice());
        }
        let _ = from_input(&bytes);
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,140}") {
        if let Ok(cid) = from_str(&s) {
            prop_assert!(from_bytes(cid.as_bytes()).is_ok());
        }
    }

    #[test]
    fn a_mutated_valid_cid_is_refused_or_still_canonical(digest in proptest::array::uniform32(any::<u8>()), at in 0usize..36, bit in 0u8..8) {
        let mut bytes = v1(0x55, 0x12, &digest);
        let i = at % bytes.len();
        bytes[i] ^= 1 << bit;
        if let Ok(cid) = from_bytes(&bytes) {
            prop_assert_eq!(cid.as_bytes(), bytes.as_slice());
        }
    }
}
