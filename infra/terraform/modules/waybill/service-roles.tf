# IAM roles for Kubernetes ServiceAccounts (IRSA): each pod gets only what its
# work needs, and nothing reaches the node's role (IMDSv2 with one hop).

data "aws_iam_policy_document" "read_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = module.secrets.secret_arns
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }
}

# The External Secrets Operator reads the two secrets as the ServiceAccount
# waybill/waybill-external-secrets (infra/k8s/components/external-secrets).
module "external_secrets_role" {
  source            = "../iam-irsa"
  name              = "${local.name}-external-secrets"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = "waybill"
  service_accounts  = ["waybill-external-secrets"]
  policy_json       = data.aws_iam_policy_document.read_secrets.json
}

# Django stores uploads (CSV imports, proofs of delivery) and serves them; the
# worker reads the imports and writes error reports and report CSVs. Objects
# only: neither may change the bucket, its policy or its versions.
data "aws_iam_policy_document" "media" {
  statement {
    sid       = "FindObjects"
    actions   = ["s3:ListBucket"]
    resources = [module.media.arn]
  }
  statement {
    sid       = "ReadWriteObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${module.media.arn}/*"]
  }
  statement {
    sid       = "UseTheKeyThroughS3"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

module "media_role" {
  source            = "../iam-irsa"
  name              = "${local.name}-media"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = "waybill"
  service_accounts  = ["waybill-django", "waybill-worker"]
  policy_json       = data.aws_iam_policy_document.media.json
}

# The cluster autoscaler (installed by Helm, docs/deploy.md step 4) finds the
# node group's Auto Scaling group by the tags EKS puts on it,
# k8s.io/cluster-autoscaler/enabled and k8s.io/cluster-autoscaler/<cluster>,
# and may resize only groups tagged for this cluster.
data "aws_iam_policy_document" "cluster_autoscaler" {
  # checkov:skip=CKV_AWS_356:Describe* and GetInstanceTypesFromInstanceRequirements support no resource-level permissions.
  statement {
    sid = "DiscoverNodeGroups"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "autoscaling:DescribeTags",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "ResizeThisClustersNodeGroups"
    actions   = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = ["arn:aws:autoscaling:${local.region}:${local.account_id}:autoScalingGroup:*:autoScalingGroupName/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/k8s.io/cluster-autoscaler/${module.eks.cluster_name}"
      values   = ["owned"]
    }
  }
}

module "cluster_autoscaler_role" {
  source            = "../iam-irsa"
  name              = "${local.name}-cluster-autoscaler"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer       = module.eks.oidc_issuer
  namespace         = "kube-system"
  service_accounts  = ["cluster-autoscaler"]
  policy_json       = data.aws_iam_policy_document.cluster_autoscaler.json
}
