// CommonJS users: require() of the ES module package (Node 20.19+ and 22.12+ load it without a flag).
import sdk = require('@ai-debug/sdk');

const [baseUrl, apiKey, componentId] = process.argv.slice(2);
const client = new sdk.DebugClient({ baseUrl, apiKey, componentType: 'scratch', componentId });
client.warn('sent from CommonJS');
void client.close().then(() => console.log(JSON.stringify(client.stats().events)));
