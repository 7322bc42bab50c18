// Prints where `cdk synth` wrote the template, and what it contains, after `npm run synth`.
import { readdirSync, readFileSync } from 'node:fs';

const files = readdirSync('cdk.out').filter((f) => f.endsWith('.template.json'));
for (const file of files) {
  const template = JSON.parse(readFileSync(`cdk.out/${file}`, 'utf8'));
  const types = Object.values(template.Resources).map((r) => r.Type);
  const count = (t) => types.filter((x) => x === t).length;
  console.log(`CloudFormation template written to cdk.out/${file}`);
  console.log(
    `  ${types.length} resources: ${count('AWS::Lambda::Function')} functions, ${count('AWS::SQS::Queue')} queues, ${count('AWS::CloudWatch::Alarm')} alarms`,
  );
}
console.log(
  'cdk-nag AwsSolutions ran during synth (it stops the synth on any unacknowledged finding). Deploy with: npx cdk deploy',
);
