//! The client against the server, both ours, over real HTTP on a loopback port: what the CLI does
//! against the node's API. (The live tests check both against kubo's own client and importer.)
#![cfg(feature = "client")]

use futures::StreamExt;
use medchain_ipfs::{
    client::{ClientError, IpfsClient},
    import_bytes, Blockstore, HashOnly, ImportOptions,
};
use std::sync::Arc;

async fn server() -> (IpfsClient, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Blockstore::open(dir.path()).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let access = medchain_ipfs::Access {
        unpin: true,
        ..Default::default()
    };
    tokio::spawn(medchain_ipfs::api::serve(listener, store, access));
    (IpfsClient::new(&url).unwrap(), dir)
}

fn data(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8)
        .collect()
}

#[tokio::test]
async fn a_streamed_add_gets_the_local_cid_and_cats_back() {
    let (client, _dir) = server().await;
    let bytes = data(3 * 1024 * 1024 + 17);
    let expected = import_bytes(&bytes, ImportOptions::v1(), HashOnly).unwrap();
    // Sent in uneven pieces, as an encrypting producer would.
    let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = bytes
        .chunks(100_000)
        .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
        .collect();
    let added = client
        .add("scan.enc", futures::stream::iter(pieces))
        .await
        .unwrap();
    assert_eq!(added.cid, expected.cid);
    assert_eq!(added.size, expected.size);
    let mut back = Vec::new();
    let mut stream = Box::pin(client.cat(&added.cid).await.unwrap());
    while let Some(piece) = stream.next().await {
        back.extend_from_slice(&piece.unwrap());
    }
    assert_eq!(back, bytes);
    assert!(!client.version().await.unwrap().is_empty());
}

#[tokio::test]
async fn errors_name_the_endpoint_and_the_fix() {
    let (client, _dir) = server().await;
    let missing = import_bytes(b"never added", ImportOptions::v1(), HashOnly)
        .unwrap()
        .cid;
    let err = client.cat(&missing).await.err().unwrap();
    assert!(matches!(err, ClientError::Api { .. }));
    assert!(err.to_string().contains("not in this store"), "{err}");

    // Nothing listens on port 9 of loopback.
    let nowhere = IpfsClient::new("http://127.0.0.1:9").unwrap();
    let err = nowhere.version().await.unwrap_err();
    assert!(err.to_string().contains("medchain ipfs serve"), "{err}");

    assert!(IpfsClient::new("ftp://x").is_err());
}
