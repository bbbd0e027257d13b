//! The `aws` detector: AWS Lambda and Amazon ECS, from the variables each platform sets in
//! every process it runs. No metadata endpoint is called: detection does no network I/O.

use super::sources::var;
use super::{Resource, ResourceValue};

pub(crate) const CLOUD_PROVIDER: &str = "cloud.provider";
pub(crate) const CLOUD_PLATFORM: &str = "cloud.platform";
pub(crate) const CLOUD_REGION: &str = "cloud.region";
pub(crate) const FAAS_NAME: &str = "faas.name";
pub(crate) const FAAS_VERSION: &str = "faas.version";
pub(crate) const FAAS_INSTANCE: &str = "faas.instance";
pub(crate) const FAAS_MAX_MEMORY: &str = "faas.max_memory";
pub(crate) const AWS_LOG_GROUP_NAMES: &str = "aws.log.group.names";
pub(crate) const AWS_ECS_LAUNCHTYPE: &str = "aws.ecs.launchtype";

/// Lambda when `AWS_LAMBDA_FUNCTION_NAME` is set, else ECS when a task metadata address is.
pub(crate) fn detect_aws(env: &dyn Fn(&str) -> Option<String>) -> Resource {
    let var = |name| var(env, name);
    let mut resource = Resource::default();
    let mut add = |key, value: Option<String>| {
        if let Some(value) = value {
            resource.add(key, ResourceValue::Str(value));
        }
    };
    if let Some(function) = var("AWS_LAMBDA_FUNCTION_NAME") {
        // OpenTelemetry semantic conventions, AWS Lambda, "Resource Detector", and faas.
        add(CLOUD_PROVIDER, Some("aws".to_owned()));
        add(CLOUD_PLATFORM, Some("aws_lambda".to_owned()));
        add(CLOUD_REGION, var("AWS_REGION"));
        add(FAAS_NAME, Some(function));
        add(FAAS_VERSION, var("AWS_LAMBDA_FUNCTION_VERSION"));
        // `faas.instance` on Lambda is the full log stream name.
        add(FAAS_INSTANCE, var("AWS_LAMBDA_LOG_STREAM_NAME"));
        if let Some(bytes) = var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|mb| mebibytes(&mb)) {
            resource.add(FAAS_MAX_MEMORY, ResourceValue::I64(bytes));
        }
        if let Some(group) = var("AWS_LAMBDA_LOG_GROUP_NAME") {
            resource.add(AWS_LOG_GROUP_NAMES, ResourceValue::StrArray(vec![group]));
        }
    } else if var("ECS_CONTAINER_METADATA_URI_V4")
        .or_else(|| var("ECS_CONTAINER_METADATA_URI"))
        .is_some()
    {
        // Amazon ECS sets the metadata addresses, `AWS_REGION` (which wins over
        // `AWS_DEFAULT_REGION`) and `AWS_EXECUTION_ENV` in every task's containers.
        add(CLOUD_PROVIDER, Some("aws".to_owned()));
        add(CLOUD_PLATFORM, Some("aws_ecs".to_owned()));
        add(
            CLOUD_REGION,
            var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
        );
        let launch_type = match var("AWS_EXECUTION_ENV").as_deref() {
            Some("AWS_ECS_FARGATE") => Some("fargate".to_owned()),
            Some("AWS_ECS_EC2") => Some("ec2".to_owned()),
            _ => None,
        };
        add(AWS_ECS_LAUNCHTYPE, launch_type);
    }
    resource
}

/// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` is in MiB; `faas.max_memory` is in bytes (semantic
/// conventions, faas: "multiplied by 1,048,576").
fn mebibytes(value: &str) -> Option<i64> {
    let mib: i64 = value.parse().ok().filter(|&mib| mib > 0)?;
    mib.checked_mul(1 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_converted_to_bytes_and_checked() {
        assert_eq!(mebibytes("128"), Some(134_217_728));
        for bad in ["", "0", "-1", "1.5", "lots", "9223372036854775807"] {
            assert_eq!(mebibytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn nothing_outside_aws() {
        assert_eq!(detect_aws(&|_| None), Resource::default());
    }
}
