/**
 * The worker's network: a VPC with public subnets only and no NAT gateway; tasks get public IPs and
 * reach Temporal Cloud, Anthropic and AWS APIs directly.
 *
 * Why public subnets: the worker only makes outbound calls and accepts no inbound traffic (its security
 * group has no ingress rule), so a NAT gateway (~USD 33/month per AZ plus data processing) would buy
 * nothing but a fixed egress address. Private subnets with NAT become worth it when the Temporal
 * cluster or the model endpoint must allow-list source IPs, or when the worker moves behind
 * PrivateLink (Temporal Cloud supports it); switch `subnetConfiguration` then. DynamoDB traffic stays
 * on the AWS network through a free gateway endpoint either way.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Availability zones of the VPC: two, so one AZ outage leaves a place to run the worker. */
export const WORKER_MAX_AZS = 2;

/** HTTPS: AWS APIs (Secrets Manager, ECR, CloudWatch Logs, Bedrock), Anthropic's API. */
const HTTPS_PORT = 443;

/** Props of {@link WorkerNetwork}. */
export interface WorkerNetworkProps {
  /** Port of the Temporal frontend (7233 for Temporal Cloud). */
  temporalPort: number;
  logRetention: logs.RetentionDays;
}

/** VPC, the worker's security group (egress to HTTPS and Temporal only) and VPC flow logs. */
export class WorkerNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: WorkerNetworkProps) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: WORKER_MAX_AZS,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB } },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.REJECT });
    this.securityGroup = new ec2.SecurityGroup(this, 'WorkerSecurityGroup', {
      vpc: this.vpc,
      description: 'Memory worker: no inbound; outbound HTTPS and the Temporal frontend port only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(HTTPS_PORT), 'AWS APIs and the Anthropic API');
    if (props.temporalPort !== HTTPS_PORT) {
      this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(props.temporalPort), 'Temporal frontend (gRPC)');
    }
  }
}
