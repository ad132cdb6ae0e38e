/* The connector form's fields and their labels, as the fields table (connection/fields.ts) names them:
   shared by the advice and the renderer. */
import { FORM_LABELS, type FormField } from '../connection/fields.js'

export type { FormField }

/** The labels the guide's connector form uses. */
export const FIELD_LABELS: Record<FormField, string> = FORM_LABELS
