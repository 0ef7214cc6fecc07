// The layers of docs/architecture.md, checked by `npm run lint`: a module imports only from its own
// layer or the layers below it, and nothing imports in a circle.
//
//   cli                       the `rollguard` command
//   server                    `rollguard run`: the controller and the worker in one process
//   controller                Release changes → workflow messages
//   workflows │ activities    orchestration (replayed) │ all I/O
//   kube, temporal, telemetry clients and logging
//   domain                    the Release API, release records and decisions, health verdicts (pure)
//
// dev/ (the local stack, the demo), scripts/, bench/ and test/ may use anything in src/; nothing in
// src/ uses them.
const layer = (name, path, mayUse) => ({
  name: `${name}-layer`,
  comment: `${name} may use only ${mayUse.join(', ')}`,
  severity: 'error',
  from: { path },
  to: {
    pathNot: [path, ...mayUse.map((p) => `^src/${p}/`), '^node_modules', '^node:'],
    dependencyTypesNot: ['npm', 'npm-dev', 'core'],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'import cycles hide the direction of a dependency',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-apart-from-dev',
      severity: 'error',
      comment: 'what ships does not use the dev-only code',
      from: { path: '^src/' },
      to: { path: '^(dev|scripts|bench|test)/' },
    },
    layer('domain-api', '^src/domain/api/', []),
    layer('domain-health', '^src/domain/health/', ['domain/api']),
    layer('domain-release', '^src/domain/release/', ['domain/api', 'domain/health']),
    layer('domain-inspection', '^src/domain/inspection/', ['domain/api', 'domain/health', 'domain/release']),
    // What a sink receives, of a Release's notifications and an inspection's alike.
    layer('domain-notify', '^src/domain/notify/', ['domain/api', 'domain/release', 'domain/inspection']),
    layer('infrastructure', '^src/(kube|temporal|telemetry)/', ['domain', 'kube', 'temporal', 'telemetry']),
    layer('workflows', '^src/workflows/', ['domain', 'activities']), // activities by type only: the next rule
    {
      name: 'workflows-use-activities-by-type',
      comment: 'workflows call activities through proxyActivities<typeof activities>, never their code',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: '^src/activities/', dependencyTypesNot: ['type-only'] },
    },
    layer('activities', '^src/activities/', ['domain', 'kube', 'temporal', 'telemetry']),
    layer('controller', '^src/controller/', ['domain', 'kube', 'temporal', 'telemetry', 'workflows']),
    layer('server', '^src/server/', ['domain', 'kube', 'temporal', 'telemetry', 'activities', 'controller']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|tools|\\.data|test-artifacts|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
