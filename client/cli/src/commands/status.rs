//! `medchain status`: the chain, its block producers and standbys, and each candidate's K-DPoS
//! class.

use crate::chain::{self, runtime};
use crate::context::Context;
use crate::keys::address;
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

/// A top-level command (`medchain status`).
#[derive(Subcommand)]
pub enum StatusCommand {
    /// The chain, its block producers and their K-DPoS classes.
    Status,
}

pub async fn run(ctx: &Context, command: StatusCommand) -> Result<()> {
    let StatusCommand::Status = command;
    status(ctx).await
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
                // Parts per million, as the runtime API gives it.
                "score": c.standing.as_ref().map(|s| s.score),
                "reason": c.standing.as_ref().map(|s| format!("{:?}", s.reason)),
                "role": format!("{:?}", c.role),
                "producing": c.active && !c.disabled,
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
            let score = r["score"]
                .as_u64()
                .map(|p| format!("score {:.1} %", p as f64 / 10_000.0))
                .unwrap_or_default();
            s.push_str(&format!(
                "\n  {}  org {}  {}  {}  {}  {}{}",
                r["account"].as_str().unwrap_or_default(),
                r["org"],
                r["role"].as_str().unwrap_or_default(),
                r["class"].as_str().unwrap_or("unclassified"),
                score,
                r["reason"].as_str().unwrap_or_default(),
                if r["producing"] == true {
                    "  producing"
                } else {
                    ""
                }
            ));
        }
        s
    });
    Ok(())
}
