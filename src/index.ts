import { run } from './main.js'

// Exit as soon as the work is reported, so no stray socket or timer can stall the step.
void run().finally(() => process.exit())
