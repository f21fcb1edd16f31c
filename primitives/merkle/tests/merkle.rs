//! Roots, proofs and what a tampered proof gets.

use medchain_merkle::{
    inner_hash, leaf_hash, prove, root, verify, InclusionProof, MerkleError, Tree, MAX_LEAVES,
    MAX_PROOF_DEPTH,
};
use proptest::prelude::*;

fn entries(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("record-index-entry-{i}").into_bytes())
        .collect()
}

#[test]
fn small_trees_have_the_documented_shape() {
    let e = entries(3);
    let (a, b, c) = (leaf_hash(&e[0]), leaf_hash(&e[1]), leaf_hash(&e[2]));
    // Three leaves: (a, b) pair up, c moves up unchanged.
    assert_eq!(root(&e), Ok(inner_hash(&inner_hash(&a, &b), &c)));
    assert_eq!(root(&e[..1]), Ok(a));
    assert_eq!(root::<Vec<u8>>(&[]), Err(MerkleError::EmptyBatch));
    // SHA-256 of 0x00 || "" is a fixed, known value.
    assert_eq!(
        leaf_hash(b"")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
}

#[test]
fn a_leaf_cannot_pass_for_an_inner_node() {
    let e = entries(2);
    let r = root(&e).unwrap();
    let (a, b) = (leaf_hash(&e[0]), leaf_hash(&e[1]));
    let mut forged = a.to_vec();
    forged.extend_from_slice(&b);
    let proof = InclusionProof {
        index: 0,
        leaves: 1,
        siblings: vec![],
    };
    assert_eq!(verify(&r, &forged, &proof), Ok(false));
}

#[test]
fn malformed_proofs_are_refused_by_name() {
    let e = entries(5);
    let r = root(&e).unwrap();
    let mut p = prove(&e, 4).unwrap();
    assert_eq!(verify(&r, &e[4], &p), Ok(true));
    p.siblings.push([0; 32]);
    assert_eq!(verify(&r, &e[4], &p), Err(MerkleError::WrongProofLength));
    let short = InclusionProof {
        index: 1,
        leaves: 5,
        siblings: vec![],
    };
    assert_eq!(
        verify(&r, &e[1], &short),
        Err(MerkleError::WrongProofLength)
    );
    let out = InclusionProof {
        index: 5,
        leaves: 5,
        siblings: vec![],
    };
    assert_eq!(verify(&r, &e[1], &out), Err(MerkleError::IndexOutOfRange));
    assert_eq!(prove(&e, 5), Err(MerkleError::IndexOutOfRange));
}

proptest! {
    #[test]
    fn every_entry_proves_and_nothing_else_does(n in 1usize..200, pick in any::<u32>(), flip in any::<(u8, u8)>()) {
        let e = entries(n);
        let r = root(&e).unwrap();
        let i = (pick as usize % n) as u32;
        let p = prove(&e, i).unwrap();
        prop_assert!(p.siblings.len() <= 8);
        prop_assert_eq!(verify(&r, &e[i as usize], &p), Ok(true));
        // Another entry at the same position does not verify.
        prop_assert_eq!(verify(&r, b"not in the batch", &p), Ok(false));
        // A flipped bit in any sibling breaks it.
        if !p.siblings.is_empty() {
            let mut t = p.clone();
            let k = flip.0 as usize % t.siblings.len();
            t.siblings[k][flip.1 as usize % 32] ^= 1;
            prop_assert_eq!(verify(&r, &e[i as usize], &t), Ok(false));
        }
        // The proof for one position does not prove another (n > 1).
        if n > 1 {
            let j = (i + 1) % n as u32;
            let moved = InclusionProof { index: j, ..p.clone() };
            let ok = verify(&r, &e[i as usize], &moved);
            prop_assert!(ok != Ok(true));
        }
    }
}

proptest! {
    /// The relayer's in-memory tree gives the same root and proofs as the one-shot functions.
    #[test]
    fn a_kept_tree_proves_as_the_functions_do(n in 1usize..300, pick in any::<u32>()) {
        let e = entries(n);
        let tree = Tree::new(&e).unwrap();
        prop_assert_eq!(tree.leaves() as usize, n);
        prop_assert_eq!(tree.root(), root(&e).unwrap());
        let i = (pick as usize % n) as u32;
        prop_assert_eq!(tree.prove(i).unwrap(), prove(&e, i).unwrap());
        prop_assert_eq!(tree.prove(n as u32), Err(MerkleError::IndexOutOfRange));
    }
}

#[test]
fn a_proof_longer_than_any_tree_is_refused_before_hashing() {
    let e = entries(3);
    let r = root(&e).unwrap();
    let p = InclusionProof {
        index: 0,
        leaves: MAX_LEAVES,
        siblings: vec![[0; 32]; MAX_PROOF_DEPTH as usize + 1],
    };
    assert_eq!(verify(&r, &e[0], &p), Err(MerkleError::WrongProofLength));
    assert_eq!(Tree::new::<Vec<u8>>(&[]), Err(MerkleError::EmptyBatch));
}
