//! Reading records: `medchain get`, `emergency-open` and `audit` (DESIGN.md flow 3). A read is
//! logged on chain before its file appears.

use crate::chain::{self, runtime, Client, RecordView};
use crate::context::Context;
use crate::crypto::{self, DataKey};
use crate::keys::{address, Identity};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use futures::StreamExt;
use medchain_ipfs::{client::IpfsClient, Cid, HashOnly, ImportOptions, Importer};
use runtime::runtime_types::pallet_medical_records::{
    runtime_api::SealedTo,
    types::{AuditAction, EmergencyReason},
};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Top-level commands (`medchain get`, not `medchain read get`).
#[derive(Subcommand)]
pub enum ReadCommand {
    /// Open a record in an emergency (as a clinician of its hospital; always audited, with the
    /// reason, and shown to the patient).
    ///
    /// Example: medchain --as clinician emergency-open 7 --reason etreat
    EmergencyOpen {
        record: u64,
        /// Why, as an HL7 purpose of use.
        #[arg(long, value_enum)]
        reason: Reason,
    },
    /// Fetch, verify and decrypt a record into a file, and log the access on chain. A record
    /// its hospital keeps (read as its author or after an emergency opening) is opened by the
    /// hospital's key service (--keyserver), once the access is logged.
    ///
    /// Example: medchain --as specialist get 7 -o scan.pdf
    Get {
        record: u64,
        /// The file to write (written whole, or not at all).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// A record's complete audit trail: every grant, revocation, emergency opening and read.
    Audit { record: u64 },
}

/// Why a record is opened in an emergency: HL7 `v3-PurposeOfUse` codes.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Reason {
    /// ETREAT: emergency treatment.
    Etreat,
    /// BTG: break the glass, beyond the clinician's usual rights.
    Btg,
    /// DISASTER: a disaster or mass-casualty event.
    Disaster,
    /// THREAT: to prevent a serious threat to health or safety.
    Threat,
    /// PUBHLTH: a public health duty.
    Pubhlth,
}

impl From<Reason> for EmergencyReason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::Etreat => EmergencyReason::EmergencyTreatment,
            Reason::Btg => EmergencyReason::BreakTheGlass,
            Reason::Disaster => EmergencyReason::Disaster,
            Reason::Threat => EmergencyReason::Threat,
            Reason::Pubhlth => EmergencyReason::PublicHealth,
        }
    }
}

/// The HL7 `v3-PurposeOfUse` code of a reason the chain recorded.
pub fn reason_code(r: &EmergencyReason) -> &'static str {
    match r {
        EmergencyReason::EmergencyTreatment => "ETREAT",
        EmergencyReason::BreakTheGlass => "BTG",
        EmergencyReason::Disaster => "DISASTER",
        EmergencyReason::Threat => "THREAT",
        EmergencyReason::PublicHealth => "PUBHLTH",
    }
}

pub async fn run(ctx: &Context, command: ReadCommand) -> Result<()> {
    match command {
        ReadCommand::EmergencyOpen { record, reason } => {
            let reason = EmergencyReason::from(reason);
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx()
                        .medical_records()
                        .emergency_access(record, reason.clone()),
                )
                .await?;
            let code = reason_code(&reason);
            ctx.print(json!({ "record": record, "reason": code, "block": done.block }), || {
                format!(
                    "record {record} opened in an emergency ({code}; audited and shown to the patient) in block {}",
                    done.block
                )
            });
            Ok(())
        }
        ReadCommand::Get { record, output } => get(ctx, record, &output).await,
        ReadCommand::Audit { record } => audit(ctx, record).await,
    }
}

/// The data key of `view` for `me`, by the access the chain gives it, and the block of the
/// logged access when it had to be logged first (a key the custodian's service opens).
async fn data_key_for(
    ctx: &Context,
    client: &Client,
    view: &RecordView,
    me: &Identity,
) -> Result<(DataKey, Option<u32>)> {
    let record = view.id;
    // The pallet says which sealed key opens the record for this reader, and whose key opens it.
    let sealed = chain::query(
        client,
        runtime::apis()
            .medical_records_api()
            .sealed_key_for(record, me.account()?),
    )
    .await?
    .map_err(|denied| {
        anyhow!("you may not read record {record}: {denied:?} (ask the patient for a grant)")
    })?;
    match sealed.sealed_to {
        SealedTo::Reader => Ok((
            crypto::open(&sealed.key, me.encryption_secret())
                .with_context(|| format!("opening record {record}'s data key"))?,
            None,
        )),
        SealedTo::Custodian(org) => {
            // Only the hospital's key service opens what is sealed to the hospital, and only once
            // the access is on chain: the read is logged first.
            let service = ctx.key_service(org)?;
            let logged = chain::submit(
                client,
                &runtime::tx().medical_records().log_access(record),
                &me.signer()?,
            )
            .await?;
            let (key, _) = service
                .open(me, &client.genesis_hash().0, org, record)
                .await
                .with_context(|| format!("asking for record {record}'s data key"))?;
            Ok((key, Some(logged.block)))
        }
    }
}

/// Flow 3: fetch by CID, verify it, decrypt, check the digest, log the access, then write.
async fn get(ctx: &Context, record: u64, output: &Path) -> Result<()> {
    let client = ctx.chain().await?;
    let ipfs = IpfsClient::new(&ctx.global.ipfs)?;
    let view = chain::record_view(&client, record).await?;
    // The patient reads (and is logged) as the record's patient: their pseudonym there.
    let me = ctx.identity()?;
    let me = me
        .as_patient(
            &client.genesis_hash().0,
            view.record.custodian,
            &view.record.patient,
        )?
        .unwrap_or(me);
    let (data_key, logged) = data_key_for(ctx, &client, &view, &me).await?;
    let cid = Cid::try_from(view.cid.as_str())
        .map_err(|e| anyhow!("record {record}'s CID is unreadable: {e}"))?;
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut cipher = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "cannot write in {} (for -o {})",
            dir.display(),
            output.display()
        )
    })?;
    // Download, computing the CID of what arrives.
    let mut importer = Importer::new(ImportOptions::v1(), HashOnly);
    let mut stream = Box::pin(ipfs.cat(&cid).await?);
    let bar = ctx.progress(0, "downloading");
    while let Some(piece) = stream.next().await {
        let piece = piece?;
        importer.write(&piece)?;
        cipher.write_all(&piece)?;
        bar.inc(piece.len() as u64);
    }
    bar.finish_and_clear();
    let got = importer.finish()?.cid;
    if got != cid {
        bail!(
            "the IPFS endpoint {} sent bytes whose CID is {got}, not the record's {cid}: refused",
            ipfs.url()
        );
    }
    cipher.as_file().sync_all()?;
    let mut plain = tempfile::NamedTempFile::new_in(dir)?;
    let decrypted = {
        let input = std::fs::File::open(cipher.path())?;
        let out = plain.as_file_mut();
        crypto::decrypt(&data_key, std::io::BufReader::new(input), |p| {
            Ok(out.write_all(p)?)
        })?
    };
    let digest = crypto::verify(&decrypted, &view.record.plaintext_hash)
        .map_err(|e| anyhow!("record {record} decrypts, but {e}: refused"))?;
    if digest == crypto::OnChainDigest::Sha256 {
        ctx.say(json!({ "warning": "sha256-digest", "record": record }), || {
            format!("warning: record {record} was made before digests were commitments: its public SHA-256 confirms a guessed document to anyone; a new version (medchain record amend {record} FILE) gives it a commitment")
        });
    }
    plain.as_file().sync_all()?;
    // The read is logged before the file appears: no file without an audit entry.
    let block = match logged {
        Some(block) => block,
        None => {
            chain::submit(
                &client,
                &runtime::tx().medical_records().log_access(record),
                &me.signer()?,
            )
            .await?
            .block
        }
    };
    plain
        .persist(output)
        .map_err(|e| anyhow!("writing {}: {}", output.display(), e.error))?;
    ctx.print(
        json!({ "record": record, "output": output.display().to_string(), "bytes": decrypted.len, "block": block }),
        || format!("record {record} written to {} ({} bytes); access logged in block {block}", output.display(), decrypted.len),
    );
    Ok(())
}

/// The whole trail, page by page (the runtime API returns at most `MaxAuditPage` per call).
async fn audit(ctx: &Context, record: u64) -> Result<()> {
    let client = ctx.chain().await?;
    chain::record_view(&client, record).await?;
    let api = client.runtime_api().at_latest().await?;
    let trail = api
        .call(runtime::apis().medical_records_api().audit(record))
        .await?;
    let mut all = Vec::with_capacity(trail.total as usize);
    while (all.len() as u32) < trail.total {
        let page = api
            .call(runtime::apis().medical_records_api().audit_entries(
                record,
                all.len() as u32,
                u32::MAX,
            ))
            .await?;
        if page.is_empty() {
            bail!(
                "the chain counts {} audit entries of record {record} but returned {}",
                trail.total,
                all.len()
            );
        }
        all.extend(page);
    }
    let entries: Vec<_> = all
        .iter()
        .map(|e| {
            let action = match e.action {
                AuditAction::Granted => "granted",
                AuditAction::Revoked => "revoked",
                AuditAction::EmergencyOpened => "emergency-opened",
                AuditAction::Accessed => "accessed",
            };
            json!({
                "who": address(&e.who),
                "action": action,
                "block": e.at,
                "reason": e.reason.as_ref().map(reason_code),
            })
        })
        .collect();
    let value = json!({
        "record": record,
        "grants": trail.grants,
        "revocations": trail.revocations,
        "emergency_openings": trail.emergency_openings,
        "accesses": trail.accesses,
        "entries": entries,
    });
    ctx.print(value.clone(), || {
        let mut s = format!(
            "record {record}: {} grants, {} revocations, {} emergency openings, {} accesses",
            trail.grants, trail.revocations, trail.emergency_openings, trail.accesses
        );
        for e in &entries {
            s.push_str(&format!(
                "\n  block {}  {}  {}",
                e["block"],
                e["action"].as_str().unwrap_or_default(),
                e["who"].as_str().unwrap_or_default()
            ));
            if let Some(code) = e["reason"].as_str() {
                s.push_str(&format!("  ({code})"));
            }
        }
        s
    });
    Ok(())
}
