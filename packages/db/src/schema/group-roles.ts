/**
 * The NOLOGIN group roles migration 0005 creates: policies and grants name them, and the roles
 * services log in as join one of them. Plain names, so code that only manages roles (the
 * migrator) loads no ORM.
 */
export const groupRoles = {
  app: "devtools_sync_app",
  readonly: "devtools_sync_readonly",
  admin: "devtools_sync_admin",
} as const;

/** What a login role is for: which group role it joins. */
export type RoleKind = keyof typeof groupRoles;
