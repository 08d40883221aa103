/**
 * The fixed wording of a rendered notice around the template's own text: headings of the
 * statement of account, the deadline and payment blocks, method names. English and Spanish,
 * like the template library.
 */
import type { Locale } from '../templates/render.js';

export interface NoticeLabels {
  date: string;
  to: string;
  premises: string;
  unit: string;
  deliveredBy: string;
  reference: string;
  statement: string;
  statementRentOnly: string;
  rentOnlyNote: string;
  dueDate: string;
  description: string;
  charged: string;
  unpaid: string;
  totalPastDue: string;
  rentPastDue: string;
  deadline: string;
  deadlineLine: string;
  counting: string;
  law: string;
  payTo: string;
  address: string;
  hours: string;
  phone: string;
  email: string;
  online: string;
  page: (n: number, of: number) => string;
  methods: Record<string, string>;
  categories: Record<string, string>;
  engineFee: string;
}

const EN: NoticeLabels = {
  date: 'Date',
  to: 'To',
  premises: 'Premises',
  unit: 'unit',
  deliveredBy: 'Sent by',
  reference: 'Reference',
  statement: 'Statement of the amount due',
  statementRentOnly: 'Statement of the rent due',
  rentOnlyNote:
    'This notice demands rent only. Late fees and other charges, if any, are not included.',
  dueDate: 'Due date',
  description: 'Description',
  charged: 'Charged',
  unpaid: 'Unpaid',
  totalPastDue: 'Total past due',
  rentPastDue: 'Rent past due',
  deadline: 'Deadline',
  deadlineLine: 'Last day to pay or act',
  counting: 'How the period is counted',
  law: 'Law',
  payTo: 'Payment',
  address: 'Address',
  hours: 'Hours',
  phone: 'Telephone',
  email: 'E-mail',
  online: 'Online',
  page: (n, of) => `Page ${n} of ${of}`,
  methods: {
    certified_mail: 'Certified mail',
    certified_mail_e_return_receipt: 'Certified mail, electronic return receipt',
    first_class: 'First-class mail',
    first_class_certificate_of_mailing: 'First-class mail with certificate of mailing',
    email: 'E-mail',
    sms_link: 'Text message link',
    portal: 'Tenant portal',
  },
  categories: {
    rent: 'Rent',
    fee: 'Fee',
    utility: 'Utilities',
    deposit: 'Deposit',
    other: 'Other charge',
  },
  engineFee: 'Fee',
};

const ES: NoticeLabels = {
  date: 'Fecha',
  to: 'Para',
  premises: 'Inmueble',
  unit: 'unidad',
  deliveredBy: 'Enviado por',
  reference: 'Referencia',
  statement: 'Estado de la cantidad debida',
  statementRentOnly: 'Estado de la renta debida',
  rentOnlyNote:
    'Este aviso exige solo la renta. No incluye cargos por pago atrasado ni otros cargos.',
  dueDate: 'Vencimiento',
  description: 'Concepto',
  charged: 'Cargo',
  unpaid: 'Pendiente',
  totalPastDue: 'Total vencido',
  rentPastDue: 'Renta vencida',
  deadline: 'Plazo',
  deadlineLine: 'Último día para pagar o actuar',
  counting: 'Cómo se cuenta el plazo',
  law: 'Ley',
  payTo: 'Pago',
  address: 'Dirección',
  hours: 'Horario',
  phone: 'Teléfono',
  email: 'Correo electrónico',
  online: 'En línea',
  page: (n, of) => `Página ${n} de ${of}`,
  methods: {
    certified_mail: 'Correo certificado',
    certified_mail_e_return_receipt: 'Correo certificado con acuse de recibo electrónico',
    first_class: 'Correo de primera clase',
    first_class_certificate_of_mailing: 'Correo de primera clase con certificado de envío',
    email: 'Correo electrónico',
    sms_link: 'Enlace por mensaje de texto',
    portal: 'Portal del inquilino',
  },
  categories: {
    rent: 'Renta',
    fee: 'Cargo',
    utility: 'Servicios',
    deposit: 'Depósito',
    other: 'Otro cargo',
  },
  engineFee: 'Cargo',
};

export function noticeLabels(locale: Locale): NoticeLabels {
  return locale === 'es' ? ES : EN;
}

const monthFormats = new Map<Locale, Intl.DateTimeFormat>();

/** `2026-10-01` → `October 2026` / `octubre de 2026`: the rent period a charge is for. */
export function formatMonth(date: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})/.exec(date);
  if (!m) return date;
  let fmt = monthFormats.get(locale);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(locale === 'es' ? 'es-US' : 'en-US', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    monthFormats.set(locale, fmt);
  }
  return fmt.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}
