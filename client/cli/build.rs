//! The chain's metadata is read by the `subxt` macro in `chain.rs`, which does not tell cargo:
//! a new `metadata/medchain.scale` must rebuild the CLI.

fn main() {
    println!("cargo:rerun-if-changed=metadata/medchain.scale");
}
