//! The two protobuf messages a UnixFS file is made of: dag-pb's `PBNode`/`PBLink` and UnixFS's
//! `Data`, as prost messages. dag-pb's canonical form writes a node's links before its data,
//! the reverse of tag order, so [`encode_node`] frames the fields itself; prost does the rest.

use prost::Message;

/// A link of a dag-pb node.
#[derive(Clone, PartialEq, Message)]
pub struct PbLink {
    /// The child's CID, in binary.
    #[prost(bytes = "vec", optional, tag = "1")]
    pub hash: Option<Vec<u8>>,
    /// Empty for the chunks of a file; kubo writes it all the same.
    #[prost(string, optional, tag = "2")]
    pub name: Option<String>,
    /// The child's block plus everything below it, in bytes.
    #[prost(uint64, optional, tag = "3")]
    pub tsize: Option<u64>,
}

/// A dag-pb node, as decoded (any field order is accepted on the way in).
#[derive(Clone, PartialEq, Message)]
pub struct PbNode {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub data: Option<Vec<u8>>,
    #[prost(message, repeated, tag = "2")]
    pub links: Vec<PbLink>,
}

/// UnixFS node types (only `File` and `Raw` are written here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
#[repr(i32)]
pub enum DataType {
    Raw = 0,
    Directory = 1,
    File = 2,
    Metadata = 3,
    Symlink = 4,
    HamtShard = 5,
}

/// UnixFS's `Data` message, carried in a dag-pb node's data.
#[derive(Clone, PartialEq, Message)]
pub struct UnixfsData {
    #[prost(enumeration = "DataType", required, tag = "1")]
    pub r#type: i32,
    /// The bytes of a leaf (absent when empty, as kubo writes it).
    #[prost(bytes = "vec", optional, tag = "2")]
    pub data: Option<Vec<u8>>,
    /// Bytes of file below this node.
    #[prost(uint64, optional, tag = "3")]
    pub filesize: Option<u64>,
    /// File bytes under each link, in link order (proto2: not packed).
    #[prost(uint64, repeated, packed = "false", tag = "4")]
    pub blocksizes: Vec<u64>,
}

/// Encodes a dag-pb node canonically: every link (field 2), then the data (field 1).
pub fn encode_node(links: &[PbLink], data: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for link in links {
        prost::encoding::message::encode(2, link, &mut out);
    }
    if let Some(data) = data {
        prost::encoding::bytes::encode(1, &data.to_vec(), &mut out);
    }
    out
}

/// Decodes a dag-pb node.
pub fn decode_node(bytes: &[u8]) -> Result<PbNode, prost::DecodeError> {
    PbNode::decode(bytes)
}

/// Decodes the UnixFS data of a dag-pb node.
pub fn decode_unixfs(bytes: &[u8]) -> Result<UnixfsData, prost::DecodeError> {
    UnixfsData::decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_before_data_and_decode_back() {
        let link = PbLink {
            hash: Some(vec![1, 2, 3]),
            name: Some(String::new()),
            tsize: Some(7),
        };
        let bytes = encode_node(std::slice::from_ref(&link), Some(&[9, 9]));
        // Field 2 (links) opens the node; field 1 (data) closes it.
        assert_eq!(bytes[0], 0x12);
        assert_eq!(&bytes[bytes.len() - 4..], &[0x0a, 2, 9, 9]);
        let node = decode_node(&bytes).unwrap();
        assert_eq!(node.links, vec![link]);
        assert_eq!(node.data, Some(vec![9, 9]));
    }

    #[test]
    fn an_empty_file_leaf_is_type_and_size_only() {
        let data = UnixfsData {
            r#type: DataType::File as i32,
            data: None,
            filesize: Some(0),
            blocksizes: vec![],
        };
        assert_eq!(data.encode_to_vec(), vec![0x08, 0x02, 0x18, 0x00]);
    }

    #[test]
    fn block_sizes_are_not_packed() {
        let data = UnixfsData {
            r#type: DataType::File as i32,
            data: None,
            filesize: Some(3),
            blocksizes: vec![1, 2],
        };
        assert_eq!(
            data.encode_to_vec(),
            vec![0x08, 0x02, 0x18, 0x03, 0x20, 0x01, 0x20, 0x02]
        );
    }
}
