//! lucidity-quic-probe: a QUIC peer with a certificate of our choosing, to show
//! which certificates lunatic nodes accept (tests/admission). It uses
//! lunatic-distributed's own QUIC endpoints, so it speaks exactly as a node.
//!
//!   lucidity-quic-probe connect ADDR NAME TRUST CERT
//!       connects to the node NAME at ADDR as a client presenting CERT and sends
//!       it one request; "accepted" when the node answers, "refused: WHY" when
//!       it closes the connection.
//!   lucidity-quic-probe node CONTROL_URL ADDR TRUST CERT
//!       registers with control as a node at ADDR (the join secret comes from
//!       the environment, as for lunatic), then serves QUIC there presenting
//!       CERT for its registered name and reports the first peer that
//!       connects: "accepted" when it completed the handshake, "refused: WHY".
//!
//! TRUST is the CA the probe itself verifies its peer against and CERT the CA
//! that signs the probe's certificate: "builtin" (lunatic 0.13.2's built-in CA,
//! whose private key is in lunatic's source) or "ca:CERT.pem:KEY.pem" (for
//! TRUST, "ca:CERT.pem" is enough). Exit status: 0 accepted, 1 refused, 2 usage
//! or setup error, 3 no peer or no answer within 30 s.

use std::{net::SocketAddr, time::Duration};

use anyhow::{anyhow, bail, Context, Result};
use bytes::Bytes;
use lunatic_distributed::{
    control::{self, cert},
    distributed::{message::Request, server::gen_node_cert},
    quic,
};

const WAIT: Duration = Duration::from_secs(30);

enum Verdict {
    Accepted(String),
    Refused(String),
    Silent(String),
}

/// A CA as (certificate PEM, signer) from "builtin" or "ca:CERT[:KEY]".
fn ca(spec: &str, need_key: bool) -> Result<(String, Option<rcgen::Certificate>)> {
    if spec == "builtin" {
        return Ok((cert::TEST_ROOT_CERT.to_string(), Some(cert::test_root_cert()?)));
    }
    let parts: Vec<&str> = spec.strip_prefix("ca:").unwrap_or("").split(':').collect();
    match parts.as_slice() {
        [cert_path, key_path] => Ok((
            std::fs::read_to_string(cert_path).with_context(|| cert_path.to_string())?,
            Some(cert::root_cert(cert_path, key_path)?),
        )),
        [cert_path] if !need_key && !cert_path.is_empty() => Ok((
            std::fs::read_to_string(cert_path).with_context(|| cert_path.to_string())?,
            None,
        )),
        _ => bail!("bad CA '{spec}': builtin or ca:CERT.pem:KEY.pem"),
    }
}

/// A certificate for `name` signed by the CA `spec`: (cert PEM, key PEM).
fn signed_cert(name: &str, spec: &str) -> Result<(String, String)> {
    let (_, signer) = ca(spec, true)?;
    let node = gen_node_cert(name)?;
    let pem = node.serialize_pem_with_signer(signer.as_ref().unwrap())?;
    Ok((pem, node.serialize_private_key_pem()))
}

// The probe's client endpoint: any address of the peer's family (the probe may
// run on another host than the node, e.g. in tests/netns).
fn local_bind(peer: SocketAddr) -> SocketAddr {
    if peer.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().unwrap()
}

async fn connect(addr: SocketAddr, name: &str, trust: &str, cert_spec: &str) -> Result<Verdict> {
    let (trust_pem, _) = ca(trust, false)?;
    let (cert_pem, key_pem) = signed_cert("lucidity-quic-probe", cert_spec)?;
    let client = quic::new_quic_client(local_bind(addr), &trust_pem, &cert_pem, &key_pem)?;
    let (mut send, mut recv) = match client.connect(addr, name, 1).await {
        Ok(streams) => streams,
        // Our own side refused the node (TRUST is not its CA): no verdict on it.
        Err(e) => bail!("could not connect (check TRUST): {e}"),
    };
    // A message to a process that does not exist: any node that accepted us answers.
    let request = Request::Message { environment_id: 0, process_id: 0, tag: None, data: vec![] };
    let data = rmp_serde::to_vec(&(1u64, request))?;
    let mut frame = [Bytes::copy_from_slice(&(data.len() as u32).to_le_bytes()), data.into()];
    let exchange = async {
        send.send(&mut frame).await?;
        recv.receive().await
    };
    Ok(match tokio::time::timeout(WAIT, exchange).await {
        Ok(Ok(_)) => Verdict::Accepted("the node answered our request".into()),
        Ok(Err(e)) => Verdict::Refused(format!("the node closed the connection: {e}")),
        Err(_) => Verdict::Silent("no answer".into()),
    })
}

async fn node(control_url: &str, addr: SocketAddr, trust: &str, cert_spec: &str) -> Result<Verdict> {
    let (trust_pem, _) = ca(trust, false)?;
    let name = uuid::Uuid::new_v4();
    let name_str = name.hyphenated().to_string();
    // Registered like a real node (with the join secret), so peers find us in
    // their node lists under this name...
    let csr = gen_node_cert(&name_str)?.serialize_request_pem()?;
    let http = reqwest::Client::new();
    let reg = control::Client::register(&http, control_url.parse()?, name, csr).await?;
    let client = control::Client::new(http, reg, addr, Default::default()).await?;
    // ...but presenting a certificate from CERT instead of the one control signed.
    let (cert_pem, key_pem) = signed_cert(&name_str, cert_spec)?;
    let server = quic::new_quic_server(addr, vec![cert_pem], &key_pem, &trust_pem)?;
    println!("probe node {} registered at {addr}", client.node_id());
    let verdict = match tokio::time::timeout(WAIT, server.accept()).await {
        Ok(Some(connecting)) => match connecting.await {
            Ok(conn) => Verdict::Accepted(format!("{} completed the handshake", conn.remote_address())),
            Err(e) => Verdict::Refused(format!("the peer aborted the handshake: {e}")),
        },
        Ok(None) => bail!("the QUIC endpoint closed"),
        Err(_) => Verdict::Silent("no peer connected".into()),
    };
    client.notify_node_stopped().await.ok();
    Ok(verdict)
}

async fn run(args: &[String]) -> Result<Verdict> {
    let parse_addr = |s: &String| -> Result<SocketAddr> { s.parse().map_err(|e| anyhow!("{s}: {e}")) };
    match args {
        [cmd, addr, name, trust, cert] if cmd == "connect" => {
            connect(parse_addr(addr)?, name, trust, cert).await
        }
        [cmd, url, addr, trust, cert] if cmd == "node" => node(url, parse_addr(addr)?, trust, cert).await,
        _ => bail!("usage: lucidity-quic-probe connect ADDR NAME TRUST CERT | node CONTROL_URL ADDR TRUST CERT"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let status = match run(&args).await {
        Ok(Verdict::Accepted(why)) => {
            println!("accepted: {why}");
            0
        }
        Ok(Verdict::Refused(why)) => {
            println!("refused: {why}");
            1
        }
        Ok(Verdict::Silent(why)) => {
            println!("no verdict: {why} within {} s", WAIT.as_secs());
            3
        }
        Err(e) => {
            eprintln!("lucidity-quic-probe: {e:#}");
            2
        }
    };
    std::process::exit(status);
}
