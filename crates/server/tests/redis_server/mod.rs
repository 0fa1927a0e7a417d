//! A `redis-server` of a test's own (Debian's package, installed by `scripts/setup`), on a free
//! loopback port with append-only persistence in a folder of its own, stopped when dropped.

#![allow(dead_code)] // Each test file uses a different part.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test's own, killed when dropped.
pub struct RedisServer {
    pub port: u16,
    pub folder: PathBuf,
    process: Option<Child>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let mut server = RedisServer::stopped();
        server.restart();
        server
    }

    /// A free port and a folder, with no server yet.
    pub fn stopped() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let folder =
            std::env::temp_dir().join(format!("trackline-redis-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        RedisServer {
            port,
            folder,
            process: None,
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts the server (again, on the same port and folder) and waits until it answers PING.
    pub fn restart(&mut self) {
        let process = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "yes"])
            .arg("--dir")
            .arg(&self.folder)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/setup installs Debian's redis-server)");
        self.process = Some(process);
        let client = redis::Client::open(self.url()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answered = client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
            if answered.is_ok() {
                return;
            }
            if let Some(status) = self.process.as_mut().unwrap().try_wait().unwrap() {
                panic!("redis-server exited with {status} before answering PING");
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal to the server (`STOP` freezes it: it accepts connections and never answers).
    pub fn signal(&self, signal: &str) {
        let process = self.process.as_ref().expect("a running redis-server");
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(process.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }

    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
