//! Records, consent and reads: DESIGN.md's flows 1 to 3, each command one flow.

use crate::chain::{self, runtime, AccountId, Client, RecordView};
use crate::cli::Command;
use crate::context::Context;
use crate::crypto::{self, DataKey};
use crate::keys::{address, parse_account, Identity};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use futures::StreamExt;
use medchain_ipfs::{client::IpfsClient, Cid, HashOnly, ImportOptions, Importer};
use runtime::runtime_types::pallet_medical_records::types::{Access, AuditAction, GrantBasis};
use serde_json::json;
use std::io::Write;
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
    /// Store a new version of a record (a new data key; grants do not carry over).
    Amend { record: u64, file: PathBuf },
    /// List a patient's records.
    List {
        #[arg(long, value_name = "ACCOUNT")]
        patient: String,
    },
    /// Show a record's index entry.
    Show { record: u64 },
    /// Bring a record of the hospital's private chain into the consortium chain (--url) with the
    /// proof that it was anchored, so its patient can grant it to other hospitals (as a clinician
    /// of the hospital).
    ///
    /// Example: medchain --url ws://consortium:9944 --as clinic record import --from ws://127.0.0.1:9955 --proof record-12.proof.json
    Import {
        /// The hospital's private chain, which holds the record.
        #[arg(long, value_name = "WS_URL")]
        from: String,
        /// The record's proof (`medchain proof`).
        #[arg(long, value_name = "FILE")]
        proof: PathBuf,
        /// The key that opens what is sealed to the hospital [default: --as].
        #[arg(long, value_name = "NAME")]
        org_key: Option<String>,
    },
}

pub async fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Record(RecordCommand::Put {
            file,
            patient,
            record_type,
            org,
        }) => {
            let patient = parse_account(&patient, "--patient")?;
            let record_type = crate::formats::parse_record_type(&record_type)?;
            put(ctx, &file, patient, record_type, org, None).await
        }
        Command::Record(RecordCommand::Amend { record, file }) => {
            let client = ctx.chain().await?;
            let view = chain::record_view(&client, record).await?;
            put(
                ctx,
                &file,
                view.record.patient.clone(),
                view.record.record_type.clone(),
                view.record.custodian,
                Some(record),
            )
            .await
        }
        Command::Record(RecordCommand::List { patient }) => {
            let patient = parse_account(&patient, "--patient")?;
            let client = ctx.chain().await?;
            let views = chain::query(
                &client,
                runtime::apis().medical_records_api().records_of(patient),
            )
            .await?;
            let rows: Vec<_> = views.iter().map(record_json).collect();
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
        Command::Record(RecordCommand::Show { record }) => {
            let client = ctx.chain().await?;
            let view = chain::record_view(&client, record).await?;
            let row = record_json(&view);
            ctx.print(row.clone(), || {
                serde_json::to_string_pretty(&row).unwrap_or_default()
            });
            Ok(())
        }
        Command::Record(RecordCommand::Import {
            from,
            proof,
            org_key,
        }) => crate::proof::import(ctx, &proof, &from, org_key.as_deref()).await,
        Command::Relay {
            from,
            to,
            org,
            state,
            batch_size,
            batch_time,
            serve,
            once,
        } => {
            crate::relay::relay(
                ctx,
                crate::relay::Options {
                    from,
                    to,
                    org,
                    state: state.unwrap_or_else(|| ctx.home().join("relay")),
                    batch_size,
                    batch_time: std::time::Duration::from_secs(batch_time),
                    serve,
                    once,
                },
            )
            .await
        }
        Command::Proof {
            record,
            state,
            relay,
            output,
        } => {
            let state = match (&state, &relay) {
                (None, None) => Some(ctx.home().join("relay")),
                _ => state,
            };
            crate::proof::proof(
                ctx,
                record,
                state.as_deref(),
                relay.as_deref(),
                output.as_deref(),
            )
            .await
        }
        Command::Verify { record, proof } => crate::proof::verify(ctx, record, &proof).await,
        Command::Grant { record, to, until } => grant(ctx, record, &to, &until).await,
        Command::Revoke { record, from } => {
            let grantee = parse_account(&from, "--from")?;
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx()
                        .medical_records()
                        .revoke_access(record, grantee.clone()),
                )
                .await?;
            ctx.print(
                json!({ "record": record, "revoked": address(&grantee), "block": done.block }),
                || {
                    format!(
                        "revoked {}'s access to record {record} in block {}",
                        address(&grantee),
                        done.block
                    )
                },
            );
            Ok(())
        }
        Command::Grants { record } => {
            let client = ctx.chain().await?;
            let grants = chain::query(
                &client,
                runtime::apis().medical_records_api().grants_of(record),
            )
            .await?;
            let rows: Vec<_> = grants
                .iter()
                .map(|g| {
                    json!({
                        "grantee": address(&g.grantee),
                        "basis": basis(&g.grant.basis),
                        "expires_at": g.grant.expires_at,
                        "effective": g.effective,
                    })
                })
                .collect();
            ctx.print(json!(rows), || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{}  {}  until block {}{}",
                            r["grantee"].as_str().unwrap_or_default(),
                            r["basis"].as_str().unwrap_or_default(),
                            r["expires_at"],
                            if r["effective"] == true {
                                ""
                            } else {
                                "  (expired)"
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(())
        }
        Command::EmergencyOpen { record } => {
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx().medical_records().emergency_access(record),
                )
                .await?;
            ctx.print(json!({ "record": record, "block": done.block }), || {
                format!(
                    "record {record} opened in an emergency (audited) in block {}",
                    done.block
                )
            });
            Ok(())
        }
        Command::Get {
            record,
            output,
            org_key,
        } => get(ctx, record, &output, org_key.as_deref()).await,
        Command::Audit { record } => audit(ctx, record).await,
        Command::Status => status(ctx).await,
        Command::Org(crate::cli::OrgCommand::SetKey { org }) => {
            let me = ctx.identity()?;
            let done = ctx
                .submit_as(
                    &me,
                    runtime::tx()
                        .medical_records()
                        .set_organisation_key(org, me.encryption_public()),
                )
                .await?;
            ctx.print(json!({ "org": org, "block": done.block }), || {
                format!(
                    "organisation {org}'s key is now {}'s in block {}",
                    me.name, done.block
                )
            });
            Ok(())
        }
        Command::Org(crate::cli::OrgCommand::AddMember { org, account, role }) => {
            use runtime::runtime_types::pallet_medical_records::types::Role;
            let member = parse_account(&account, "--account")?;
            let role = match role.to_ascii_lowercase().as_str() {
                "admin" => Role::Admin,
                "clinician" => Role::Clinician,
                "anchorer" => Role::Anchorer,
                other => bail!("--role '{other}' is not admin, clinician or anchorer"),
            };
            let done = ctx
                .submit_as(
                    &ctx.identity()?,
                    runtime::tx()
                        .medical_records()
                        .add_member(org, member.clone(), role),
                )
                .await?;
            ctx.print(
                json!({ "org": org, "member": address(&member), "block": done.block }),
                || {
                    format!(
                        "{} joined organisation {org} in block {}",
                        address(&member),
                        done.block
                    )
                },
            );
            Ok(())
        }
        Command::Operator(crate::cli::OperatorCommand::Onboard {
            org,
            bond,
            node_rpc,
        }) => crate::operator::onboard(ctx, org, &bond, node_rpc.as_deref()).await,
        Command::Key(_) | Command::Ipfs(_) | Command::Portal(_) => {
            bail!("key and ipfs commands run before any connection")
        }
    }
}

/// `medchain key register`: the --as key's encryption key on chain.
pub async fn register_key(ctx: &Context) -> Result<()> {
    let me = ctx.identity()?;
    let done = ctx
        .submit_as(
            &me,
            runtime::tx()
                .medical_records()
                .set_encryption_key(me.encryption_public()),
        )
        .await?;
    let account = address(&me.account()?);
    ctx.print(json!({ "account": account, "block": done.block }), || {
        format!(
            "{account}'s encryption key is registered in block {}",
            done.block
        )
    });
    Ok(())
}

fn record_json(view: &RecordView) -> serde_json::Value {
    let r = &view.record;
    json!({
        "record": view.id,
        "version": r.version,
        "patient": address(&r.patient),
        "custodian": r.custodian,
        "author": address(&r.author),
        "type": crate::formats::show_record_type(&r.record_type),
        "cid": view.cid,
        "plaintext_sha256": hex::encode(r.plaintext_hash),
        "previous": r.previous,
        "superseded_by": r.superseded_by,
        "created_at": r.created_at,
        "origin": view.origin.as_ref().map(|o| json!({
            "org": o.org, "anchor": o.anchor, "record": o.record, "version": o.version,
        })),
    })
}

fn basis(b: &GrantBasis) -> &'static str {
    match b {
        GrantBasis::Patient => "patient",
        GrantBasis::RecordType => "record type",
        GrantBasis::Emergency => "emergency",
    }
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
    record_type: chain::RecordType,
    org: u32,
    previous: Option<u64>,
) -> Result<()> {
    let before = stamp(file)?;
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    let ipfs = IpfsClient::new(&ctx.global.ipfs)?;
    let patient_key = chain::encryption_key_of(&client, &patient, "patient").await?;
    let org_key = chain::organisation_key(&client, org, chain::On::Url).await?;
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
        let _ = ipfs.pin_rm(&uploaded.cid).await;
        bail!(
            "FILE {} changed while it was being uploaded: nothing was registered; try again",
            file.display()
        );
    }
    let call = runtime::tx().medical_records().create_record(
        org,
        patient.clone(),
        record_type.clone(),
        plain.sha256,
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

/// Flow 2: the patient re-seals the record's key to the grantee's registered key.
async fn grant(ctx: &Context, record: u64, to: &str, until: &str) -> Result<()> {
    let grantee = parse_account(to, "--to")?;
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    let view = chain::record_view(&client, record).await?;
    if view.record.patient != me.account()? {
        bail!(
            "only the patient grants access: record {record} is {}'s, and --as {} is {}",
            address(&view.record.patient),
            me.name,
            address(&me.account()?)
        );
    }
    let until = crate::formats::parse_until(until, chain::best_block(&client).await?)?;
    let data_key = crypto::open(&view.record.key_for_patient, me.encryption_secret())?;
    let grantee_key = chain::encryption_key_of(&client, &grantee, "grantee").await?;
    let call = runtime::tx().medical_records().grant_access(
        record,
        grantee.clone(),
        until,
        crypto::seal(&data_key, &grantee_key)?,
    );
    let done = chain::submit(&client, &call, &me.signer()?).await?;
    ctx.print(
        json!({ "record": record, "grantee": address(&grantee), "until": until, "block": done.block }),
        || format!("{} may read record {record} until block {until} (granted in block {})", address(&grantee), done.block),
    );
    Ok(())
}

/// The data key of `view` for `me`, by the access the chain gives it.
async fn data_key_for(
    ctx: &Context,
    client: &Client,
    view: &RecordView,
    me: &Identity,
    org_key: Option<&str>,
) -> Result<DataKey> {
    let record = view.id;
    let access = chain::query(
        client,
        runtime::apis()
            .medical_records_api()
            .can_read(record, me.account()?),
    )
    .await?
    .map_err(|denied| {
        anyhow!("you may not read record {record}: {denied:?} (ask the patient for a grant)")
    })?;
    let other_org_key = ctx.other_org_key(me, org_key)?;
    let org_secret = other_org_key
        .as_ref()
        .map_or(me.encryption_secret(), Identity::encryption_secret);
    let key = match access {
        Access::Patient => crypto::open(&view.record.key_for_patient, me.encryption_secret()),
        Access::Custodian => crypto::open(&view.record.key_for_custodian, org_secret),
        Access::Granted { .. } => {
            let grants = chain::query(
                client,
                runtime::apis().medical_records_api().grants_of(record),
            )
            .await?;
            let account = me.account()?;
            let mine = grants
                .iter()
                .find(|g| g.grantee == account)
                .ok_or_else(|| anyhow!("the chain lists no grant of record {record} to you"))?;
            match &mine.grant.wrapped_key {
                Some(wrapped) => crypto::open(wrapped, me.encryption_secret()),
                // An emergency opening carries no key: the hospital's own key opens it.
                None => crypto::open(&view.record.key_for_custodian, org_secret),
            }
        }
    };
    key.with_context(|| format!("opening record {record}'s data key"))
}

/// Flow 3: fetch by CID, verify it, decrypt, check the digest, log the access, then write.
async fn get(ctx: &Context, record: u64, output: &Path, org_key: Option<&str>) -> Result<()> {
    let me = ctx.identity()?;
    let client = ctx.chain().await?;
    let ipfs = IpfsClient::new(&ctx.global.ipfs)?;
    let view = chain::record_view(&client, record).await?;
    let data_key = data_key_for(ctx, &client, &view, &me, org_key).await?;
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
    if decrypted.sha256 != view.record.plaintext_hash {
        bail!("record {record} decrypts to content whose SHA-256 is not the one on chain: refused");
    }
    plain.as_file().sync_all()?;
    // The read is logged before the file appears: no file without an audit entry.
    let done = chain::submit(
        &client,
        &runtime::tx().medical_records().log_access(record),
        &me.signer()?,
    )
    .await?;
    plain
        .persist(output)
        .map_err(|e| anyhow!("writing {}: {}", output.display(), e.error))?;
    ctx.print(
        json!({ "record": record, "output": output.display().to_string(), "bytes": decrypted.len, "block": done.block }),
        || format!("record {record} written to {} ({} bytes); access logged in block {}", output.display(), decrypted.len, done.block),
    );
    Ok(())
}

async fn audit(ctx: &Context, record: u64) -> Result<()> {
    let client = ctx.chain().await?;
    chain::record_view(&client, record).await?;
    let trail = chain::query(&client, runtime::apis().medical_records_api().audit(record)).await?;
    let entries: Vec<_> = trail
        .recent
        .iter()
        .map(|e| {
            let action = match e.action {
                AuditAction::Granted => "granted",
                AuditAction::Revoked => "revoked",
                AuditAction::EmergencyOpened => "emergency-opened",
                AuditAction::Accessed => "accessed",
            };
            json!({ "who": address(&e.who), "action": action, "block": e.at })
        })
        .collect();
    let value = json!({
        "record": record,
        "grants": trail.grants,
        "revocations": trail.revocations,
        "emergency_openings": trail.emergency_openings,
        "accesses": trail.accesses,
        "recent": entries,
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
        }
        s
    });
    Ok(())
}

async fn status(ctx: &Context) -> Result<()> {
    let client = ctx.chain().await?;
    let best = chain::best_block(&client).await?;
    let at = client.runtime_api().at_latest().await?;
    let validators = at.call(runtime::apis().kdpos_api().validators()).await?;
    let candidates = at.call(runtime::apis().kdpos_api().candidates()).await?;
    let version = client.runtime_version();
    let rows: Vec<_> = candidates
        .iter()
        .map(|c| {
            json!({
                "account": address(&c.account),
                "org": c.org,
                "class": c.standing.as_ref().map(|s| format!("{:?}", s.class)),
                "reason": c.standing.as_ref().map(|s| format!("{:?}", s.reason)),
                "role": format!("{:?}", c.role),
            })
        })
        .collect();
    let value = json!({
        "best_block": best,
        "spec_version": version.spec_version,
        "era": validators.era,
        "session": validators.session,
        "producers": validators.producers.iter().map(address).collect::<Vec<_>>(),
        "standbys": validators.standbys.iter().map(address).collect::<Vec<_>>(),
        "candidates": rows,
    });
    ctx.print(value.clone(), || {
        let mut s =
            format!(
            "best block {best}, runtime spec {}, era {}, session {}\nproducers: {}\nstandbys:  {}",
            version.spec_version,
            validators.era,
            validators.session,
            validators.producers.iter().map(address).collect::<Vec<_>>().join(", "),
            validators.standbys.iter().map(address).collect::<Vec<_>>().join(", "),
        );
        for r in &rows {
            s.push_str(&format!(
                "\n  {}  org {}  {}  {}  {}",
                r["account"].as_str().unwrap_or_default(),
                r["org"],
                r["role"].as_str().unwrap_or_default(),
                r["class"].as_str().unwrap_or("unclassified"),
                r["reason"].as_str().unwrap_or_default()
            ));
        }
        s
    });
    Ok(())
}
