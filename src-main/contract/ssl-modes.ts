/** The sslmodes libpq knows, for the form's menu (no zod, so the renderer can import it). */
export const SSL_MODE_VALUES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const
