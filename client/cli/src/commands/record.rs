//! `medchain record`: put, amend, list, show and import records (DESIGN.md flow 1, and flow 5's
//! import of a private-chain record into the consortium index with its inclusion proof).

use crate::anchor_store;
use crate::chain::{self, runtime, AccountId, RecordType, RecordView};
use crate::context::Context;
use crate::crypto;
use crate::formats;
use crate::keys::{address, parse_account};
use crate::keyserver::protocol::{ImportConsent, IMPORT_CONSENT_FORMAT};
use crate::proof_file::{self, hex32, ProofFile};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use medchain_ipfs::{client::IpfsClient, HashOnly, ImportOptions, Importer};
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum RecordCommand {
    /// Encrypt a file, store it in IPFS and register it as a record of a patient.
    ///
    /// Example: medchain --as clinic record put scan.pdf --patient 5Fxy… --type loinc:11506-3 --org 0
    Put {
        file: PathBuf,
        /// The patient's account (it must have registered an encryption key).
        #[arg(long, value_name = "ACCOUNT")]
        patient: String,
        /// The record's coded type: loinc:CODE, snomed:CODE or local:CODE.
        #[arg(long = "type", value_name = "SYSTEM:CODE")]
        record_type: String,
        /// The custodian organisation (the --as key must be one of its clinicians).
        #[arg(long)]
        org: u32,
    },
    /// Store a new version of a record (a new data key; grants do not carry over). The chain
    /// keeps the type sealed, so it is given again: an amendment keeps its record's type.
    ///
    /// Example: medchain --as clinic record amend 7 scan-v2.pdf --type loinc:11506-3
    Amend {
        record: u64,
        file: PathBuf,
        /// The record's coded type (as it was put).
        #[arg(long = "type", value_name = "SYSTEM:CODE")]
        record_type: String,
    },
    /// List a patient's records [default: the --as key's, under each of its pseudonyms on this
    /// chain].
    List {
        #[arg(long, value_name = "ACCOUNT")]
        patient: Option<String>,
    },
    /// Show a record's index entry.
    Show { record: u64 },
    /// Bring a record of the hospital's private chain into the consortium chain (--url) with the
    /// proof that it was anchored, so its patient can grant it to other hospitals (as a clinician
    /// of the hospital). The hospital's key service (--keyserver) reseals the record's key for the
    /// consortium chain; the clinician never sees it. The record is indexed under the account
    /// the patient's consent names (their pseudonym there), else under the private record's
    /// patient.
    ///
    /// Example: medchain --url ws://consortium:9944 --keyserver http://127.0.0.1:8700 --as clinic record import --from ws://127.0.0.1:9955 --proof record-12.proof.json --consent dave.consent.json
    Import {
        /// The hospital's private chain, which holds the record.
        #[arg(long, value_name = "WS_URL")]
        from: String,
        /// The record's proof (`medchain proof`).
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// The patient's consent to imports under their account on the consortium chain
        /// (`medchain care consent-import`, which the patient runs).
        #[arg(long, value_name = "FILE")]
        consent: Option<PathBuf>,
    },
}

pub async fn run(ctx: &Context, command: RecordCommand) -> Result<()> {
    match command {
        RecordCommand::Put {
            file,
            patient,
            record_type,
            org,
        } => {
            let patient = parse_account(&patient, "--patient")?;
            let record_type = formats::parse_record_type(&record_type)?;
            put(ctx, &file, patient, record_type, org, None).await
        }
        RecordCommand::Amend {
            record,
            file,
            record_type,
        } => {
            let record_type = formats::parse_record_type(&record_type)?;
            let client = ctx.chain().await?;
            let view = chain::record_view(&client, record).await?;
            put(
                ctx,
                &file,
                view.record.patient.clone(),
                record_type,
                view.record.custodian,
                Some((record, view.record.type_tag)),
            )
            .await
        }
        RecordCommand::List { patient } => {
            let client = ctx.chain().await?;
            let patients = match patient {
                Some(p) => vec![parse_account(&p, "--patient")?],
                None => chain::patient_accounts(&client, &ctx.identity()?).await?,
            };
            let mut views = Vec::new();
            for patient in patients {
                views.extend(
                    chain::query(
                        &client,
                        runtime::apis().medical_records_api().records_of(patient),
                    )
                    .await?,
                );
            }
            views.sort_by_key(|v| v.id);
            let me = ctx.identity().ok();
            let genesis = client.genesis_hash().0;
            let rows: Vec<_> = views
                .iter()
                .map(|v| record_json(v, me.as_ref(), &genesis))
                .collect();
            ctx.print(json!(rows), || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  v{}  {}  {}",
                            r["record"],
                            r["version"],
                            r["type"],
                            r["cid"].as_str().unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        RecordCommand::Show { record } => {
            let client = ctx.chain().await?;
            let view = chain::record_view(&client, record).await?;
            let row = record_json(
                &view,
                ctx.identity().ok().as_ref(),
                &client.genesis_hash().0,
            );
            ctx.print(row.clone(), || {
                serde_json::to_string_pretty(&row).unwrap_or_default()
            });
            Ok(())
        }
        RecordCommand::Import {
            from,
            proof,
            consent,
        } => import(ctx, &proof, &from, consent.as_deref()).await,
    }
}

/// The type of `view`'s record, if `me` is its patient (under the pseudonym at its custodian, or
/// the own account): the chain holds it only sealed under the data key.
fn type_for(view: &RecordView, me: Option<&crate::keys::Identity>, genesis: &[u8; 32]) -> String {
    let r = &view.record;
    me.and_then(|me| {
        me.as_patient(genesis, r.custodian, &r.patient)
            .ok()
            .flatten()
    })
    .and_then(|patient| crypto::open(&r.key_for_patient, patient.encryption_secret()).ok())
    .and_then(|key| formats::open_type(&key, &r.sealed_type).ok())
    .map(|t| formats::show_record_type(&t))
    .unwrap_or_else(|| "sealed".into())
}

fn record_json(
    view: &RecordView,
    me: Option<&crate::keys::Identity>,
    genesis: &[u8; 32],
) -> serde_json::Value {
    let r = &view.record;
    json!({
        "record": view.id,
        "version": r.version,
        "patient": address(&r.patient),
        "custodian": r.custodian,
        "author": address(&r.author),
        "type": type_for(view, me, genesis),
        "type_tag": hex::encode(r.type_tag),
        "cid": view.cid,
        "plaintext_commitment": hex::encode(r.plaintext_hash),
        "previous": r.previous,
        "superseded_by": r.superseded_by,
        "created_at": r.created_at,
        "origin": view.origin.as_ref().map(|o| json!({
            "org": o.org, "anchor": o.anchor, "record": o.record, "version": o.version,
        })),
    })
}

/// What identifies a file's content for the length of an upload.
fn stamp(path: &Path) -> Result<(u64, Option<std::time::SystemTime>)> {
    let m = std::fs::metadata(path)
        .with_context(|| format!("cannot read FILE {}: check the path", path.display()))?;
    if !m.is_file() {
        bail!("FILE {} is not a file", path.display());
    }
    Ok((m.len(), m.modified().ok()))
}

/// Flow 1: encrypt, upload (verifying the endpoint's CID against our own), register, seal.
async fn put(
    ctx: &Context,
    file: &Path,
    patient: AccountId,
    record_type: RecordType,
    org: u32,
    previous: Option<(u64, [u8; 32])>,
) -> Result<()> {
    let before = stamp(file)?;
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    let ipfs = IpfsClient::new(&ctx.global.ipfs)?;
    let patient_key = chain::encryption_key_of(&client, &patient, "patient").await?;
    chain::ensure_in_care(&client, &patient, org, chain::On::Url).await?;
    let org_key = chain::organisation_key(&client, org, chain::On::Url).await?;
    // The chain learns the type only as the patient's tag, which the hospital's key service
    // computes (with the patient's type key, sealed to it).
    let type_tag = ctx
        .key_service(org)?
        .tag(&me, (&client.genesis_hash().0, org), &patient, &record_type)
        .await
        .context("tagging the record's type")?;
    if let Some((record, tag)) = previous {
        if tag != type_tag {
            bail!(
                "record {record} is not of type {}: an amendment keeps its record's type, so nothing was stored",
                formats::show_record_type(&record_type)
            );
        }
    }
    let previous = previous.map(|(record, _)| record);
    // Fail before encrypting anything if the endpoint is not there.
    ipfs.version().await?;

    // Encrypt on a blocking thread, streaming the ciphertext to the upload and to our own importer.
    let data_key = crypto::new_data_key()?;
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(8);
    let bar = ctx.progress(crypto::ciphertext_len(before.0), "uploading");
    let producer = {
        let key = data_key.clone();
        let path = file.to_path_buf();
        let bar = bar.clone();
        tokio::task::spawn_blocking(
            move || -> Result<(crypto::Plaintext, medchain_ipfs::Imported, u64)> {
                let input = std::fs::File::open(&path)
                    .with_context(|| format!("cannot read FILE {}", path.display()))?;
                let mut importer = Importer::new(ImportOptions::v1(), HashOnly);
                let mut sent = 0u64;
                let plain = crypto::encrypt(&key, input, |piece| {
                    importer.write(piece)?;
                    sent += piece.len() as u64;
                    bar.inc(piece.len() as u64);
                    tx.blocking_send(Ok(bytes::Bytes::copy_from_slice(piece)))
                        .map_err(|_| anyhow!("the upload stopped"))
                })?;
                Ok((plain, importer.finish()?, sent))
            },
        )
    };
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("record")
        .to_owned()
        + ".enc";
    let uploaded = ipfs.add(&name, body).await;
    let produced = producer
        .await
        .map_err(|e| anyhow!("encryption stopped: {e}"))?;
    // A failed upload stops the encryption too: its own error says why.
    let uploaded = uploaded?;
    let (plain, local, sent) = produced?;
    bar.finish_and_clear();
    if uploaded.cid != local.cid {
        bail!(
            "the IPFS endpoint {} stored the ciphertext as {} but it hashes to {} here: nothing was registered",
            ipfs.url(),
            uploaded.cid,
            local.cid
        );
    }
    if stamp(file)? != before || plain.len != before.0 {
        // The node's IPFS API refuses pin/rm unless its operator turned it on: then the orphan
        // ciphertext stays pinned, and the user is told so rather than left to guess.
        let left = match ipfs.pin_rm(&uploaded.cid).await {
            Ok(()) => String::new(),
            Err(e) => format!(
                " (its ciphertext {} stays pinned at {}, which refused to unpin it: {e})",
                uploaded.cid,
                ipfs.url()
            ),
        };
        bail!(
            "FILE {} changed while it was being uploaded: nothing was registered{left}; try again",
            file.display()
        );
    }
    let call = runtime::tx().medical_records().create_record(
        org,
        patient.clone(),
        type_tag,
        formats::seal_type(&data_key, &record_type)?,
        plain.commitment,
        runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
            uploaded.cid.to_bytes(),
        ),
        sent,
        previous,
        crypto::seal(&data_key, &patient_key)?,
        crypto::seal(&data_key, &org_key)?,
    );
    let done = chain::submit(&client, &call, &me.signer()?).await?;
    let created = done
        .events
        .find_first::<runtime::medical_records::events::RecordCreated>()?
        .ok_or_else(|| anyhow!("the chain registered no record"))?;
    let cid = uploaded.cid.to_string();
    ctx.print(
        json!({
            "record": created.record,
            "version": created.version,
            "cid": cid,
            "bytes": plain.len,
            "block": done.block,
        }),
        || {
            format!(
                "record {} (version {}) of {} registered in block {}\n  cid {cid}",
                created.record,
                created.version,
                address(&patient),
                done.block
            )
        },
    );
    Ok(())
}

/// `medchain record import`: a clinician of the anchoring organisation brings a private-chain
/// record into the consortium index, so its patient can grant it to other hospitals. The
/// hospital's key service opens the data key and seals it anew to the patient's and the
/// organisation's keys on the consortium chain.
async fn import(ctx: &Context, file: &Path, from: &str, consent: Option<&Path>) -> Result<()> {
    let proof = ProofFile::load(file)?;
    let me = ctx.identity()?;
    let consortium = ctx.chain().await?;
    let private = chain::connect(from).await?;
    if hex32(&private.genesis_hash().0) != proof.private_genesis {
        bail!(
            "--from {from} is not the private chain of --proof {} (genesis {})",
            file.display(),
            proof.private_genesis
        );
    }
    // The consortium chain must accept the proof before anything is opened or sealed.
    let (org, _) = proof_file::check(&consortium, &proof).await?;
    let (root, entry, inclusion) = proof.parts()?;
    let record = proof.record;
    let view = chain::find_record(&private, record)
        .await?
        .ok_or_else(|| anyhow!("the private chain at {from} has no record {record}"))?;
    let on_private = view.record.clone();
    let (content, subject) = match &entry {
        chain::AnchoredEntry::Sealed(e) => (
            e.plaintext_hash == on_private.plaintext_hash && e.cid == on_private.cid,
            e.subject
                == anchor_store::subject(
                    &on_private.patient,
                    &on_private.type_tag,
                    &on_private.key_for_patient,
                ),
        ),
        chain::AnchoredEntry::Clear(e) => (
            e.plaintext_hash == on_private.plaintext_hash
                && e.cid == on_private.cid
                && e.patient == on_private.patient,
            true,
        ),
    };
    if !content {
        bail!("record {record} on the private chain is not the entry the proof proves");
    }
    if !subject {
        // The same content under another subject: before spec 112 relays committed sealed
        // entries to the clear type (`anchor-subject/v1`), which records no longer hold.
        bail!(
            "record {record}'s proof holds its content but not its patient and type tag: the entry was anchored before spec 112, whose subjects committed to the clear record type (anchor-subject/v1), or for another patient; this release imports only entries whose subject commits to the type tag (anchor-subject/v2, docs/formats.md), so the record stays on its private chain"
        );
    }
    let consent = consent
        .map(|path| load_consent(path, (&private, on_private.custodian), (&consortium, org)))
        .transpose()?;
    let patient = match (&entry, &consent) {
        (chain::AnchoredEntry::Clear(_), Some(_)) => bail!(
            "record {record} was anchored before sealed entries, with its patient in clear: it is imported under that account, without --consent"
        ),
        (_, Some(c)) => parse_account(&c.patient, "the consent's patient")?,
        (_, None) => on_private.patient.clone(),
    };
    let size = chain::query(
        &private,
        runtime::apis()
            .ipfs_registry_api()
            .cid(on_private.cid.0.clone()),
    )
    .await?
    .map(|c| c.info.size)
    .ok_or_else(|| {
        anyhow!("record {record}'s CID is not registered on the private chain: its size is unknown")
    })?;
    // A sealed entry's private patient has no key here unless the patient consented to it.
    if let Err(e) = chain::encryption_key_of(&consortium, &patient, "patient").await {
        if consent.is_none() && matches!(entry, chain::AnchoredEntry::Sealed(_)) {
            bail!(
                "record {record}'s patient on the private chain, {}, has no account on the consortium chain: the patient consents to imports under their account there (`medchain care consent-import {org} --from {from} --private-org {}`) and gives you the file for --consent",
                address(&patient),
                on_private.custodian
            );
        }
        return Err(e);
    }
    chain::ensure_in_care(&consortium, &patient, org, chain::On::Consortium).await?;
    chain::organisation_key(&consortium, org, chain::On::Consortium).await?;
    let custodian = on_private.custodian;
    let resealed = ctx
        .key_service(custodian)?
        .reseal(
            &me,
            (private.genesis_hash().0, custodian),
            record,
            (consortium.genesis_hash().0, org),
            (&patient, consent.as_ref().map(|c| c.signature.as_str())),
        )
        .await
        .with_context(|| format!("resealing record {record}'s key for the consortium chain"))?;
    let call = runtime::tx().medical_records().import_record(
        org,
        root,
        entry,
        inclusion,
        patient.clone(),
        resealed.type_tag,
        resealed.sealed_type,
        size,
        resealed.keys[0],
        resealed.keys[1],
    );
    let done = chain::submit(&consortium, &call, &me.signer()?).await?;
    let imported = done
        .events
        .find_first::<runtime::medical_records::events::RecordImported>()?
        .ok_or_else(|| anyhow!("the consortium chain imported no record"))?;
    ctx.print(
        json!({ "record": imported.record, "origin_record": record, "org": org, "anchor": imported.anchor, "patient": address(&patient), "block": done.block }),
        || {
            format!(
                "private record {record} is consortium record {} (organisation {org}, anchor {}), imported in block {}",
                imported.record, imported.anchor, done.block
            )
        },
    );
    Ok(())
}

/// The patient's import consent in `path`, checked to be for these chains and organisations (the
/// key service checks its signature).
fn load_consent(
    path: &Path,
    (private, private_org): (&chain::Client, u32),
    (consortium, org): (&chain::Client, u32),
) -> Result<ImportConsent> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read --consent {}: check the path", path.display()))?;
    let consent: ImportConsent = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow!(
            "--consent {} is not an import consent ({e}): the patient makes one with `medchain care consent-import`",
            path.display()
        )
    })?;
    if consent.format != IMPORT_CONSENT_FORMAT {
        bail!(
            "--consent {} is in format '{}', not {IMPORT_CONSENT_FORMAT}",
            path.display(),
            consent.format
        );
    }
    let ours = (
        hex::encode(private.genesis_hash().0),
        private_org,
        hex::encode(consortium.genesis_hash().0),
        org,
    );
    let theirs = (
        consent.private_genesis.trim_start_matches("0x").to_owned(),
        consent.private_org,
        consent
            .consortium_genesis
            .trim_start_matches("0x")
            .to_owned(),
        consent.org,
    );
    if ours != theirs {
        bail!(
            "--consent {} is for organisation {} of chain 0x{} into organisation {} of chain 0x{}, not for this record's organisation {private_org} of 0x{} into organisation {org} of 0x{}",
            path.display(),
            theirs.1,
            theirs.0,
            theirs.3,
            theirs.2,
            ours.0,
            ours.2
        );
    }
    Ok(consent)
}
