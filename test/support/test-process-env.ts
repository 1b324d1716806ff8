/** Process settings for every test file. */
import { useProjectTools } from '../../dev/project-paths';

// This checkout's Temporal binaries (.tools/), for the servers the tests start.
useProjectTools();
// Tests run on Node 20 here; production images run Node 22, where the AWS SDK's Node 20 notice doesn't apply.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
