//! The hospital's key service (`medchain keyserver serve`): the only holder of the organisation's
//! X25519 secret, which every record's `key_for_custodian` is sealed to.
//!
//! Nobody else holds that secret, so a clinician who reads a record the custodian keeps (as its
//! author, or through an emergency opening) asks the service. It answers only when the chain says
//! at its best block that the clinician may read the record now, and only once the read is on
//! chain: a fresh `logAccess` entry of the clinician in the record's audit trail, used for no
//! other answer. The data key comes back sealed to the clinician's registered encryption key,
//! never in the clear. Every answer is appended to the service's release log before it is sent.
//!
//! - [`custody`]: where the secret lives (a file only the service reads; a trait an HSM or a KMS
//!   can implement instead).
//! - [`protocol`]: the messages, and the bytes a caller signs (bound to one chain, one
//!   organisation, one record and one single-use challenge).
//! - [`server`]: the HTTP service and its checks against the chain.
//! - [`client`]: what the CLI sends.

pub mod client;
pub mod custody;
pub mod protocol;
pub mod server;
