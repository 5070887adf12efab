//! Serving the router on one thread per core ([`serve_on_each_core`]).
//!
//! Each serving thread runs a current-thread tokio runtime, so a call runs
//! start to end on one thread: on a multi-threaded runtime, every task
//! wasi-http spawns for an outgoing request woke another worker, a fifth of
//! serve's CPU per call (docs/src/performance.md). One acceptor hands the
//! connections to the threads in turn, so each thread gets its share of
//! kept-alive connections whichever thread the kernel would have woken.

use axum::Router;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Serves `app` on `listener` with one serving thread per core until
/// `stop` turns true. The returned future (run it on the caller's runtime,
/// which does the accepting) ends when every thread has finished the
/// requests it had, or with the first thread's error.
pub fn serve_on_each_core(
    listener: TcpListener,
    app: Router,
    stop: watch::Receiver<bool>,
) -> std::io::Result<impl Future<Output = std::io::Result<()>>> {
    let local_addr = listener.local_addr()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut handoffs, mut finished) = (Vec::with_capacity(cores), Vec::with_capacity(cores));
    for core in 0..cores {
        // A few connections may wait for their thread; the acceptor waits
        // when one thread has that many not yet taken.
        let (handoff, incoming) = mpsc::channel::<(std::net::TcpStream, SocketAddr)>(64);
        let (done, finish) = tokio::sync::oneshot::channel();
        let (app, mut stop) = (app.clone(), stop.clone());
        std::thread::Builder::new()
            .name(format!("wrk-zoom-serve-{core}"))
            .spawn(move || {
                let served = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|runtime| {
                        runtime.block_on(async move {
                            let listener = Handed {
                                incoming,
                                local_addr,
                            };
                            axum::serve(listener, app)
                                .with_graceful_shutdown(async move {
                                    let _ = stop.wait_for(|stop| *stop).await;
                                })
                                .await
                        })
                    });
                let _ = done.send(served);
            })?;
        handoffs.push(handoff);
        finished.push(finish);
    }
    let mut stop_accepting = stop;
    Ok(async move {
        let mut next = 0;
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop_accepting.wait_for(|stop| *stop) => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: the connection
                    // is gone, the listener is not.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            // Moved to the thread's runtime as a plain socket.
            let stream = match stream.into_std() {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!("cannot hand a connection to a serving thread: {e}");
                    continue;
                }
            };
            if handoffs[next].send((stream, peer)).await.is_err() {
                break; // that thread has stopped: the error is reported below
            }
            next = (next + 1) % handoffs.len();
        }
        // New connections are refused from here on, as with axum::serve.
        drop(listener);
        drop(handoffs);
        for finish in finished {
            match finish.await {
                Ok(served) => served?,
                Err(_) => return Err(std::io::Error::other("a serving thread panicked")),
            }
        }
        Ok(())
    })
}

/// The connections the acceptor hands to one serving thread.
struct Handed {
    incoming: mpsc::Receiver<(std::net::TcpStream, SocketAddr)>,
    local_addr: SocketAddr,
}

impl axum::serve::Listener for Handed {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some((stream, peer)) = self.incoming.recv().await else {
                // The acceptor has stopped; the graceful shutdown ends this
                // thread's serving.
                return std::future::pending().await;
            };
            // Registered with this thread's runtime.
            match TcpStream::from_std(stream) {
                Ok(stream) => return (stream, peer),
                Err(e) => tracing::warn!("cannot take a handed connection: {e}"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One request on a connection of its own; the answer's body.
    async fn get_once(addr: SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_go_to_every_serving_thread_in_turn_and_stopping_ends_them() {
        let app = Router::new().route(
            "/",
            get(|| async { std::thread::current().name().unwrap_or("?").to_string() }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let served = tokio::spawn(serve_on_each_core(listener, app, stopped).unwrap());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut threads = std::collections::BTreeSet::new();
        for _ in 0..2 * cores {
            let thread = get_once(addr).await;
            assert!(thread.starts_with("wrk-zoom-serve-"), "{thread}");
            threads.insert(thread);
        }
        assert_eq!(threads.len(), cores, "{threads:?}");
        stop.send(true).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), served)
            .await
            .expect("the serving threads stop")
            .unwrap()
            .unwrap();
        assert!(
            TcpStream::connect(addr).await.is_err(),
            "still accepting after stopping"
        );
    }
}
