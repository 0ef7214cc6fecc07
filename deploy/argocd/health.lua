-- Argo CD health check for rollguard's Release (rollguard.dev/v1alpha1).
-- Argo CD runs it with the Release as `obj` and shows the status it returns: Healthy, Progressing,
-- Degraded or Suspended, with a message. Written for Argo CD's Lua (gopher-lua, Lua 5.1 syntax).
-- Install: see deploy/argocd/README.md.

local hs = {}

local function condition(status, kind)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function isTrue(status, kind)
  local c = condition(status, kind)
  return c ~= nil and c.status == "True"
end

-- The first non-empty message among these conditions, else the fallback.
local function messageOf(status, kinds, fallback)
  for _, kind in ipairs(kinds) do
    local c = condition(status, kind)
    if c ~= nil and c.message ~= nil and c.message ~= "" then
      return c.message
    end
  end
  return fallback
end

local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for rollguard to take the Release on"
  return hs
end

-- A spec rollguard has not taken in yet says nothing about the revision running now.
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = string.format("Waiting for rollguard to take generation %d of the spec", generation)
  return hs
end

local phase = status.phase

-- Failed, or stuck until a person changes something (kstatus Stalled, an invalid spec).
if phase == "Failed" or isTrue(status, "Stalled") or isTrue(status, "InvalidSpec") then
  hs.status = "Degraded"
  hs.message = messageOf(status, { "Ready", "Progressing", "Stalled", "InvalidSpec" }, "Release " .. phase)
  return hs
end

if isTrue(status, "Paused") then
  hs.status = "Suspended"
  hs.message = messageOf(status, { "Paused" }, "Rollouts are paused")
  return hs
end

-- A rollout or a rollback in flight (kstatus Reconciling says so too).
if phase == "Pending" or phase == "Progressing" or phase == "RollingBack" or isTrue(status, "Reconciling") then
  hs.status = "Progressing"
  hs.message = messageOf(status, { "Progressing", "Reconciling", "Ready" }, "Release " .. phase)
  return hs
end

if phase == "Ready" then
  hs.status = "Healthy"
  hs.message = messageOf(status, { "Ready" }, "Release Ready")
  return hs
end

hs.status = "Progressing"
hs.message = "Release phase " .. tostring(phase)
return hs
