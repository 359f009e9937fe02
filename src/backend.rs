//! The one place that chooses the compute device.
//!
//! - In the browser: WebGPU through burn-wgpu, initialised asynchronously before any tensor
//!   exists. When `navigator.gpu` is missing, no adapter comes, or the only adapter is a software
//!   fallback (SwiftShader trains ~45x slower than burn's CPU backend in wasm), `auto` picks the
//!   CPU backend (burn-flex) and says why. `webgpu` forces the GPU (tests use it to exercise the
//!   shaders even on SwiftShader); `cpu` forces the CPU.
//! - Natively: the CPU backend by default, wgpu (Vulkan) with `--backend gpu` or
//!   `PLAYGROUND_BACKEND=gpu`.
//!
//! What the browser reports about its adapter is probed by `web/` (the only code that touches
//! JavaScript) and handed here as an [`AdapterProbe`]; the decision itself is pure and tested.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendRequest {
    /// The GPU when there is a real one, else the CPU.
    #[default]
    Auto,
    /// The GPU (WebGPU in the browser, Vulkan natively), even a software one; an error if none.
    #[serde(alias = "gpu")]
    Webgpu,
    /// The CPU backend.
    Cpu,
}

impl std::str::FromStr for BackendRequest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(BackendRequest::Auto),
            "webgpu" | "gpu" | "wgpu" | "vulkan" => Ok(BackendRequest::Webgpu),
            "cpu" | "flex" => Ok(BackendRequest::Cpu),
            other => Err(Error::config(
                "backend",
                format!("unknown backend {other:?}; expected auto, webgpu (or gpu) or cpu"),
            )),
        }
    }
}

/// Which backend runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// burn-wgpu: WebGPU in the browser, Vulkan (or Metal, DX12) natively.
    Gpu,
    /// burn-flex on the CPU.
    Cpu,
}

/// What the browser said about WebGPU before any device was made.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AdapterProbe {
    /// `navigator.gpu` exists.
    pub api_present: bool,
    /// `requestAdapter()` returned an adapter.
    pub adapter: bool,
    /// The adapter says it is a software fallback (`isFallbackAdapter`).
    pub fallback: bool,
    /// Vendor / architecture / description, as the browser reports them.
    pub description: String,
}

/// The pure decision: the GPU, or the CPU with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Initialise WebGPU.
    Gpu,
    /// Use the CPU; the string says why (shown on the page).
    Cpu(Option<String>),
}

/// Decide from the request and the probe. `Err` when the GPU was forced and there is none.
pub fn decide(request: BackendRequest, probe: &AdapterProbe) -> Result<Decision> {
    let missing = if !probe.api_present {
        Some("this browser has no WebGPU (navigator.gpu is missing)".to_string())
    } else if !probe.adapter {
        Some("the browser found no GPU adapter for WebGPU".to_string())
    } else {
        None
    };
    match (request, missing) {
        (BackendRequest::Cpu, _) => Ok(Decision::Cpu(None)),
        (BackendRequest::Webgpu, Some(why)) => {
            Err(Error::Device(format!("WebGPU was requested, but {why}")))
        }
        (BackendRequest::Webgpu, None) => Ok(Decision::Gpu),
        (BackendRequest::Auto, Some(why)) => Ok(Decision::Cpu(Some(format!(
            "{why}; training on the CPU instead"
        )))),
        (BackendRequest::Auto, None) if probe.fallback => Ok(Decision::Cpu(Some(format!(
            "the only WebGPU adapter is a software fallback ({}), slower than the CPU backend; \
             training on the CPU instead",
            probe.description
        )))),
        (BackendRequest::Auto, None) => Ok(Decision::Gpu),
    }
}

/// An initialised device and how it was chosen.
#[derive(Debug, Clone)]
pub struct Compute {
    /// The device (plain; methods add autodiff themselves).
    pub device: Device,
    /// GPU or CPU.
    pub kind: BackendKind,
    /// What runs, in words (for the page and the CLI).
    pub description: String,
    /// Why the CPU runs although the GPU was not ruled out by the request, if so.
    pub fallback_reason: Option<String>,
}

/// What the GPU's allocator holds, for the memory benchmark (`scripts/bench-methods.mjs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GpuMemory {
    /// Live allocations.
    pub allocations: u64,
    /// Bytes those allocations use.
    pub bytes_in_use: u64,
    /// Bytes reserved on the device: in use plus pages kept for reuse.
    pub bytes_reserved: u64,
}

impl Compute {
    /// The CPU backend.
    pub fn cpu(fallback_reason: Option<String>) -> Self {
        Compute {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            description: "CPU (burn-flex)".into(),
            fallback_reason,
        }
    }

    /// Initialise the wgpu runtime asynchronously (the only way that works in a browser). Can
    /// succeed once per process: callers keep the returned `Compute` and clone it.
    pub async fn gpu(description: String) -> Result<Self> {
        let device = Device::wgpu_options()
            .init_async()
            .await
            .map_err(|e| Error::Device(format!("WebGPU initialisation failed: {e}")))?;
        Ok(Compute {
            device,
            kind: BackendKind::Gpu,
            description,
            fallback_reason: None,
        })
    }

    /// The GPU allocator's holdings; `None` on the CPU backend, whose tensors live in the
    /// process heap (in the browser: the wasm memory).
    pub fn gpu_memory(&self) -> Option<GpuMemory> {
        if self.kind != BackendKind::Gpu {
            return None;
        }
        self.device.memory_pool_usage().map(|u| GpuMemory {
            allocations: u.number_allocs,
            bytes_in_use: u.bytes_in_use,
            bytes_reserved: u.bytes_reserved,
        })
    }

    /// Choose and initialise, falling back to the CPU when `auto` meets a GPU that fails.
    pub async fn init(request: BackendRequest, probe: &AdapterProbe) -> Result<Self> {
        match decide(request, probe)? {
            Decision::Cpu(reason) => Ok(Compute::cpu(reason)),
            Decision::Gpu => {
                let description = format!("WebGPU ({})", probe.description);
                match Compute::gpu(description).await {
                    Ok(c) => Ok(c),
                    Err(e) if request == BackendRequest::Auto => Ok(Compute::cpu(Some(format!(
                        "{e}; training on the CPU instead"
                    )))),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Natively: `request`, or `PLAYGROUND_BACKEND` when the request is `auto`; `auto` alone
    /// means the CPU (the wgpu runtime is opt-in natively: on a machine without a GPU it would
    /// find only Mesa's software Vulkan).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn native(request: BackendRequest) -> Result<Self> {
        let request = match request {
            BackendRequest::Auto => std::env::var("PLAYGROUND_BACKEND")
                .ok()
                .map(|v| v.parse())
                .transpose()?
                .unwrap_or(BackendRequest::Cpu),
            r => r,
        };
        match request {
            BackendRequest::Webgpu => {
                let device = Device::wgpu_options().init().map_err(|e| {
                    Error::Device(format!("wgpu (Vulkan) initialisation failed: {e}"))
                })?;
                Ok(Compute {
                    device,
                    kind: BackendKind::Gpu,
                    description: "wgpu (native)".into(),
                    fallback_reason: None,
                })
            }
            _ => Ok(Compute::cpu(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(api: bool, adapter: bool, fallback: bool) -> AdapterProbe {
        AdapterProbe {
            api_present: api,
            adapter,
            fallback,
            description: "google swiftshader".into(),
        }
    }

    #[test]
    fn auto_prefers_a_real_gpu() {
        assert_eq!(
            decide(BackendRequest::Auto, &probe(true, true, false)).unwrap(),
            Decision::Gpu
        );
    }

    #[test]
    fn auto_falls_back_to_cpu_and_says_why() {
        for (p, why) in [
            (probe(false, false, false), "no WebGPU"),
            (probe(true, false, false), "no GPU adapter"),
            (probe(true, true, true), "software fallback"),
        ] {
            match decide(BackendRequest::Auto, &p).unwrap() {
                Decision::Cpu(Some(reason)) => assert!(reason.contains(why), "{reason}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn forced_gpu_uses_a_fallback_adapter_but_errors_without_one() {
        assert_eq!(
            decide(BackendRequest::Webgpu, &probe(true, true, true)).unwrap(),
            Decision::Gpu
        );
        let e = decide(BackendRequest::Webgpu, &probe(false, false, false)).unwrap_err();
        assert!(e.to_string().contains("navigator.gpu is missing"), "{e}");
    }

    #[test]
    fn requests_parse_and_unknown_names_are_refused() {
        assert_eq!(
            "GPU".parse::<BackendRequest>().unwrap(),
            BackendRequest::Webgpu
        );
        assert_eq!(
            "cpu".parse::<BackendRequest>().unwrap(),
            BackendRequest::Cpu
        );
        let e = "tpu".parse::<BackendRequest>().unwrap_err();
        assert!(e.to_string().starts_with("backend: "), "{e}");
    }
}
