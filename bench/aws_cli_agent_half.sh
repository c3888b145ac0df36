# The API half of the workshop's agent chain as a learner's own AWS CLI script would do it, run from a folder
# holding metadata.xml, policy.template.json and trust.template.json; prints the instance ID and the group ID.
# Used by tests/test_sandbox_aws_cli.py (the AWS CLI as a real client) and bench/bench_peer.py (the peer).
set -euo pipefail
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
ID=$(aws connect create-instance --identity-management-type SAML --instance-alias "cli-workshop" \
      --inbound-calls-enabled --outbound-calls-enabled --query Id --output text)
until [ "$(aws connect describe-instance --instance-id "$ID" --query Instance.InstanceStatus --output text)" = ACTIVE ]; do
  sleep 0.2
done
INSTANCE_ARN="arn:aws:connect:$AWS_REGION:$ACCOUNT:instance/$ID"
sed "s|INSTANCE_ARN|$INSTANCE_ARN|" policy.template.json > policy.json
PROVIDER=$(aws iam create-saml-provider --name CliAgentAccess --saml-metadata-document file://metadata.xml \
      --query SAMLProviderArn --output text)
sed "s|PROVIDER_ARN|$PROVIDER|" trust.template.json > trust.json
POLICY=$(aws iam create-policy --policy-name CliSSOPolicy --policy-document file://policy.json --query Policy.Arn --output text)
aws iam create-role --role-name CliAgentAccessRole --assume-role-policy-document file://trust.json \
      --max-session-duration 43200 > /dev/null
aws iam attach-role-policy --role-name CliAgentAccessRole --policy-arn "$POLICY"
read -r IDC_ARN STORE <<< "$(aws sso-admin list-instances --query 'Instances[0].[InstanceArn,IdentityStoreId]' --output text)"
APP=$(aws sso-admin list-applications --instance-arn "$IDC_ARN" \
      --query "Applications[?Name=='Amazon Connect - Agent'].ApplicationArn | [0]" --output text)
GROUP=$(aws identitystore create-group --identity-store-id "$STORE" --display-name CliAgents --query GroupId --output text)
for n in 1 2; do
  USER=$(aws identitystore create-user --identity-store-id "$STORE" --user-name "cli$n@example.com" \
        --display-name "Cli $n" --name "GivenName=Cli,FamilyName=$n" \
        --emails "Value=cli$n@example.com,Type=work,Primary=true" --query UserId --output text)
  aws identitystore create-group-membership --identity-store-id "$STORE" --group-id "$GROUP" \
        --member-id "UserId=$USER" > /dev/null
done
aws sso-admin create-application-assignment --application-arn "$APP" --principal-id "$GROUP" --principal-type GROUP
PROFILE=$(aws connect list-security-profiles --instance-id "$ID" \
      --query "SecurityProfileSummaryList[?Name=='Agent'].Id | [0]" --output text)
ROUTING=$(aws connect list-routing-profiles --instance-id "$ID" --query "RoutingProfileSummaryList[0].Id" --output text)
for n in 1 2; do
  aws connect create-user --instance-id "$ID" --username "cli$n@example.com" \
      --identity-info "FirstName=Cli,LastName=$n" --phone-config PhoneType=SOFT_PHONE \
      --security-profile-ids "$PROFILE" --routing-profile-id "$ROUTING" > /dev/null
done
echo "$ID $GROUP"
