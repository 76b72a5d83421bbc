//! Adapter enumeration and choice: on this machine (a real adapter must exist; GPU tests never
//! skip) and on hand-built adapter lists.

use hemoflow::gpu::{self, choose, gpus_text, AdapterReport, GpuError};
use wgpu::{Backend, DeviceType};

const INSTALL_HINT: &str = "no GPU adapter found: install mesa-vulkan-drivers (lavapipe, software Vulkan) \
     or a GPU driver (tools/setup does it on Debian)";

fn report(name: &str, backend: Backend, device_type: DeviceType) -> AdapterReport {
    AdapterReport {
        name: name.into(),
        backend,
        device_type,
        driver: String::new(),
        driver_info: String::new(),
        vendor: 0,
        device: 0,
        max_storage_buffer_binding_size: 128 << 20,
        max_buffer_size: 1 << 30,
        max_compute_workgroup_storage_size: 16384,
        max_compute_invocations_per_workgroup: 256,
    }
}

#[test]
fn finds_an_adapter_here() {
    let adapters = gpu::list_adapters();
    assert!(!adapters.is_empty(), "{INSTALL_HINT}");
    for a in &adapters {
        assert!(!a.name.is_empty(), "adapter without a name: {a:?}");
        assert!(a.max_storage_buffer_binding_size > 0 && a.max_buffer_size > 0, "zero limits: {a:?}");
    }
}

/// This machine has no hardware GPU: the choice is lavapipe, and the reason says software.
/// Where a hardware GPU is present the choice must not be a CPU adapter.
#[test]
fn chooses_lavapipe_without_hardware_gpu() {
    let adapters = gpu::list_adapters();
    let (i, reason) = choose(&adapters, None).expect(INSTALL_HINT);
    let hardware = adapters.iter().any(|a| a.device_type != DeviceType::Cpu && a.device_type != DeviceType::Other);
    if hardware {
        assert_ne!(adapters[i].device_type, DeviceType::Cpu, "chose a CPU adapter over a GPU: {reason}");
    } else {
        assert!(adapters[i].name.contains("llvmpipe"), "expected lavapipe (llvmpipe), chose {:?}", adapters[i]);
        assert!(reason.contains("software"), "reason should mention software: {reason}");
    }
    let text = gpu::gpus_text(&adapters, Some((i, &reason)));
    println!("{text}");
    assert!(text.contains(&adapters[i].name) && text.contains(&reason), "{text}");
}

/// The chosen adapter opens a device with its own (real) limits.
#[test]
fn chosen_adapter_opens_a_device_with_its_limits() {
    let instance = gpu::instance();
    let adapters = gpu::enumerate_adapters(&instance);
    let reports: Vec<AdapterReport> = adapters.iter().map(AdapterReport::from_adapter).collect();
    let (i, _) = choose(&reports, None).expect(INSTALL_HINT);
    let adapter = &adapters[i];
    let desc = wgpu::DeviceDescriptor {
        label: Some("hemoflow test device"),
        required_limits: adapter.limits(),
        ..Default::default()
    };
    let (device, _queue) = pollster::block_on(adapter.request_device(&desc))
        .unwrap_or_else(|e| panic!("request_device on {:?} failed: {e}", reports[i].name));
    assert_eq!(device.limits().max_storage_buffer_binding_size, reports[i].max_storage_buffer_binding_size);
}

#[test]
fn discrete_beats_cpu() {
    let a = [
        report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Vulkan, DeviceType::Cpu),
        report("NVIDIA GeForce RTX 4090", Backend::Gl, DeviceType::DiscreteGpu),
        report("NVIDIA GeForce RTX 4090", Backend::Vulkan, DeviceType::DiscreteGpu),
        report("Intel(R) UHD Graphics 770", Backend::Vulkan, DeviceType::IntegratedGpu),
    ];
    let (i, reason) = choose(&a, None).unwrap();
    assert_eq!(i, 2, "{reason}");
    assert!(reason.contains("discrete GPU"), "{reason}");
}

#[test]
fn integrated_beats_cpu_and_cpu_reason_says_software() {
    let a = [
        report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Vulkan, DeviceType::Cpu),
        report("Intel(R) UHD Graphics 770", Backend::Vulkan, DeviceType::IntegratedGpu),
    ];
    assert_eq!(choose(&a, None).unwrap().0, 1);
    let (i, reason) = choose(&a[..1], None).unwrap();
    assert_eq!(i, 0);
    assert!(reason.contains("software") && reason.contains("llvmpipe"), "{reason}");
}

#[test]
fn wanted_substring_is_case_insensitive_and_overrides_preference() {
    let a = [
        report("NVIDIA GeForce RTX 4090", Backend::Vulkan, DeviceType::DiscreteGpu),
        report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Gl, DeviceType::Cpu),
        report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Vulkan, DeviceType::Cpu),
    ];
    let (i, reason) = choose(&a, Some("LLVMPipe")).unwrap();
    assert_eq!(i, 2, "among matches Vulkan beats GL: {reason}");
    assert!(reason.contains("LLVMPipe"), "{reason}");
    assert_eq!(choose(&a, Some("rtx")).unwrap().0, 0);
}

#[test]
fn wanted_not_found_lists_the_names() {
    let a = [
        report("NVIDIA GeForce RTX 4090", Backend::Vulkan, DeviceType::DiscreteGpu),
        report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Vulkan, DeviceType::Cpu),
    ];
    let err = choose(&a, Some("radeon")).unwrap_err();
    assert!(matches!(err, GpuError::NoMatch { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("radeon") && msg.contains("NVIDIA GeForce RTX 4090") && msg.contains("llvmpipe"), "{msg}");
}

#[test]
fn no_adapters_says_what_to_install() {
    let msg = choose(&[], None).unwrap_err().to_string();
    assert!(msg.contains("install mesa-vulkan-drivers"), "{msg}");
}

#[test]
fn vulkan_beats_gl_among_equal_types() {
    let a =
        [report("x", Backend::Gl, DeviceType::IntegratedGpu), report("x", Backend::Vulkan, DeviceType::IntegratedGpu)];
    assert_eq!(choose(&a, None).unwrap().0, 1);
}

#[test]
fn gpus_text_has_table_and_choice() {
    let a = [report("llvmpipe (LLVM 15.0.6, 256 bits)", Backend::Vulkan, DeviceType::Cpu)];
    let text = gpus_text(&a, Some((0, "software")));
    assert!(text.contains("storage binding MiB"), "{text}");
    assert!(text.contains("  128  "), "{text}");
    assert!(text.contains("1024"), "{text}");
    assert!(text.contains("run would use #0 llvmpipe"), "{text}");
}

#[test]
fn report_serializes_backend_and_type_as_strings() {
    let json = serde_json::to_string(&report("a", Backend::Vulkan, DeviceType::Cpu)).unwrap();
    assert!(json.contains(r#""backend":"vulkan""#), "{json}");
    assert!(json.contains(r#""device_type":"Cpu""#), "{json}");
}
