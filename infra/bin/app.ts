/** The CDK app's entry point (infra/cdk.json): `npm run synth`, `npm run cdk -- deploy`. */
import { createMemoryApp } from '../memory-app';

createMemoryApp().app.synth();
