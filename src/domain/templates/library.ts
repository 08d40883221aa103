/**
 * The default template library (SPEC 3.3, 6), in English (`{id}`) and Spanish (`{id}.es`).
 *
 * Messages have a subject (for e-mail) and a short body that also works as an SMS.
 * Documents have a title and a body with slots for the statutory wording the jurisdiction
 * pack supplies (`notice.title`, `notice.period_text`, `notice.deadline`,
 * `notice.statements`, `notice.citation`). Bodies use only catalogue fields (fields.ts) and
 * the `money` and `date` filters.
 *
 * Tone: clear, polite, factual; no threats. A notice that may demand rent only (the notice
 * to pay rent or quit) states `case.past_due_rent`, never fees. The statutory sentences of
 * the packs are written in English; Spanish documents reproduce them under a heading that
 * says so. Reference wording, not legal advice: counsel should review every notice before
 * it is used in a jurisdiction.
 */

export type TemplateKind = 'message' | 'document';

export interface LibraryTemplate {
  kind: TemplateKind;
  subject?: string;
  title?: string;
  body: string;
}

export const MESSAGE_TEMPLATE_IDS = [
  'reminder',
  'late-notice',
  'final-notice',
  'promise-confirmation',
  'payment-plan-offer',
  'payment-received',
] as const;

export const DOCUMENT_TEMPLATE_IDS = [
  'past-due-notice',
  'pay-or-quit-notice',
  'pre-lien-notice',
  'lien-notice',
  'auction-notice',
  'collections-handoff',
] as const;

export const LIBRARY_TEMPLATE_IDS = [
  'reminder',
  'late-notice',
  'past-due-notice',
  'final-notice',
  'pay-or-quit-notice',
  'pre-lien-notice',
  'lien-notice',
  'auction-notice',
  'promise-confirmation',
  'payment-plan-offer',
  'payment-received',
  'collections-handoff',
] as const;
export type LibraryTemplateId = (typeof LIBRARY_TEMPLATE_IDS)[number];

export const LIBRARY_LANGUAGES = ['en', 'es'] as const;

// ---------------------------------------------------------------------------------------
// Shared pieces (English)

const SENDER_EN = `{% if property.legal_name %}{{ property.legal_name }}{% else %}{{ property.name }}{% endif %}`;

const LETTERHEAD_EN = `${SENDER_EN}
{% if property.address %}{{ property.address }}
{% endif %}{% if property.phone %}{{ property.phone }}
{% endif %}
{% if notice.served_on %}{{ notice.served_on | date }}{% else %}{{ today | date }}{% endif %}

{{ tenant.name }}
{% if tenant.address %}{{ tenant.address }}{% else %}{{ property.name }}, unit {{ lease.unit }}{% if property.address %}, {{ property.address }}{% endif %}{% endif %}`;

const CHARGES_EN = `{% for c in case.charges %}- {{ c.description }}, due {{ c.due_date | date }}: {{ c.amount | money }}
{% endfor %}`;

const HOW_TO_PAY_EN = `How to pay:
{% if pay_link %}- Online: {{ pay_link }}
{% endif %}{% if property.pay_to.address %}- In person or by mail to {% if property.pay_to.name %}{{ property.pay_to.name }}, {% endif %}{{ property.pay_to.address }}{% if property.pay_to.hours %}. Payments are accepted in person {{ property.pay_to.hours }}{% endif %}
{% endif %}{% if property.phone %}- By phone: {{ property.phone }}
{% endif %}`;

const STATEMENTS_EN = `{% if notice.statements.size > 0 %}
{% for s in notice.statements %}{{ s }}
{% endfor %}{% endif %}`;

const CONTACT_EN = `{% if office_contact %}{{ office_contact }}{% elsif property.office_contact %}{{ property.office_contact }}{% elsif property.phone %}{{ property.phone }}{% endif %}`;

const CITATION_EN = `{% if notice.citation %}
This notice is given under {{ notice.citation }}.{% endif %}`;

// ---------------------------------------------------------------------------------------
// Shared pieces (Spanish)

const LETTERHEAD_ES = `${SENDER_EN}
{% if property.address %}{{ property.address }}
{% endif %}{% if property.phone %}{{ property.phone }}
{% endif %}
{% if notice.served_on %}{{ notice.served_on | date }}{% else %}{{ today | date }}{% endif %}

{{ tenant.name }}
{% if tenant.address %}{{ tenant.address }}{% else %}{{ property.name }}, unidad {{ lease.unit }}{% if property.address %}, {{ property.address }}{% endif %}{% endif %}`;

const CHARGES_ES = `{% for c in case.charges %}- {{ c.description }}, con vencimiento el {{ c.due_date | date }}: {{ c.amount | money }}
{% endfor %}`;

const HOW_TO_PAY_ES = `Cómo pagar:
{% if pay_link %}- En línea: {{ pay_link }}
{% endif %}{% if property.pay_to.address %}- En persona o por correo a {% if property.pay_to.name %}{{ property.pay_to.name }}, {% endif %}{{ property.pay_to.address }}{% if property.pay_to.hours %}. Horario para pagos en persona: {{ property.pay_to.hours }}{% endif %}
{% endif %}{% if property.phone %}- Por teléfono: {{ property.phone }}
{% endif %}`;

const STATEMENTS_ES = `{% if notice.statements.size > 0 %}
Declaraciones que exige la ley (texto oficial en inglés):
{% for s in notice.statements %}{{ s }}
{% endfor %}{% endif %}`;

const CITATION_ES = `{% if notice.citation %}
Este aviso se entrega conforme a {{ notice.citation }}.{% endif %}`;

// ---------------------------------------------------------------------------------------
// English

const EN: Record<LibraryTemplateId, LibraryTemplate> = {
  reminder: {
    kind: 'message',
    subject: 'Rent reminder from {{ property.name }}',
    body: `Hi {{ tenant.first_name }}, this is {{ property.name }}. Our records show a balance of {{ case.past_due | money }} for unit {{ lease.unit }}{% if case.oldest_due_date %} that was due {{ case.oldest_due_date | date }}{% endif %}. If you have already paid, thank you, and please disregard this message.{% if pay_link %} Pay online: {{ pay_link }}{% endif %}{% if office_contact %} Questions? {{ office_contact }}{% endif %}`,
  },
  'late-notice': {
    kind: 'message',
    subject: 'Your rent is past due - {{ property.name }}',
    body: `Hi {{ tenant.first_name }}, {{ property.name }} here. Your account for unit {{ lease.unit }} is past due: {{ case.past_due | money }}.{% if fee.amount %} A late fee of {{ fee.amount | money }} has been added as provided in your lease.{% endif %} Please pay as soon as you can{% if pay_link %} at {{ pay_link }}{% endif %}. If you cannot pay in full, please contact us to talk about options.{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'final-notice': {
    kind: 'message',
    subject: 'Final reminder: past-due balance at {{ property.name }}',
    body: `Hi {{ tenant.first_name }}, your account for unit {{ lease.unit }} at {{ property.name }} is still past due: {{ case.past_due | money }}{% if case.days_past_due %}, {{ case.days_past_due | plural: 'day', 'days' }} after the due date{% endif %}. This is our final reminder before we take the next steps described in your lease. Please pay or contact us{% if notice.deadline %} by {{ notice.deadline | date }}{% endif %} so we can resolve this together.{% if pay_link %} Pay online: {{ pay_link }}{% endif %}{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'promise-confirmation': {
    kind: 'message',
    subject: 'Your payment arrangement with {{ property.name }}',
    body: `Hi {{ tenant.first_name }}, thank you for letting us know. We have noted that you plan to pay {% if promise.amount %}{{ promise.amount | money }}{% else %}your past-due balance of {{ case.past_due | money }}{% endif %}{% if promise.date %} by {{ promise.date | date }}{% endif %}. We will pause reminders until then.{% if pay_link %} Pay online: {{ pay_link }}{% endif %}`,
  },
  'payment-plan-offer': {
    kind: 'message',
    subject: 'A payment plan for your balance at {{ property.name }}',
    body: `Hi {{ tenant.first_name }}, we would like to help you catch up on your balance of {{ case.past_due | money }} for unit {{ lease.unit }}.{% if plan.installments.size > 0 %} We can offer this payment plan:{% for i in plan.installments %} {{ i.amount | money }} by {{ i.due_date | date }}{% if forloop.last %}.{% else %};{% endif %}{% endfor %}{% endif %} Reply or call us to accept it or to suggest other dates.{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'payment-received': {
    kind: 'message',
    subject: 'Payment received - thank you',
    body: `Hi {{ tenant.first_name }}, we received your payment for unit {{ lease.unit }} at {{ property.name }}. Thank you!{% if case.past_due > 0 %} A past-due balance of {{ case.past_due | money }} remains.{% if pay_link %} Pay online: {{ pay_link }}{% endif %}{% else %} Your account is up to date.{% endif %}`,
  },

  'past-due-notice': {
    kind: 'document',
    title: 'Past-due notice',
    body: `${LETTERHEAD_EN}

Re: Past-due balance, {{ property.name }}, unit {{ lease.unit }}

Dear {{ tenant.name }},

Our records show that the following charges on your account are past due:

${CHARGES_EN}
Total past due: {{ case.past_due | money }}

Please pay this amount as soon as possible.

${HOW_TO_PAY_EN}
If you have already paid, thank you, and please disregard this notice. If you believe this statement is not correct, or if you are having difficulty paying, please contact us so we can review your account or discuss a payment arrangement.

Sincerely,
${SENDER_EN}
${CONTACT_EN}`,
  },

  'pay-or-quit-notice': {
    kind: 'document',
    title: '{% if notice.title %}{{ notice.title }}{% else %}Notice to pay rent or quit{% endif %}',
    body: `${LETTERHEAD_EN}

{% if notice.title %}{{ notice.title }}{% else %}NOTICE TO PAY RENT OR QUIT{% endif %}

To: {{ tenant.name }}, and all other tenants and subtenants in possession
Premises: {% if property.address %}{{ property.address }}, {% endif %}unit {{ lease.unit }}

The rent for the premises you hold is past due. The rent now due and unpaid is {{ case.past_due_rent | money }}{% if case.oldest_due_date %}, which became due starting {{ case.oldest_due_date | date }}{% endif %}. This amount is rent only; it does not include late fees or other charges.

You are required to pay this rent in full {% if notice.period_text %}{{ notice.period_text }}{% elsif notice.period_days %}within {{ notice.period_days }} days after service of this notice{% endif %}{% if notice.deadline %} (that is, on or before {{ notice.deadline | date }}){% endif %}, or to deliver possession of the premises. If the rent is not paid and possession is not delivered within that time, the landlord may begin legal proceedings to recover possession of the premises, as the law allows.

Payment must be made to: {% if property.pay_to.name %}{{ property.pay_to.name }}{% else %}${SENDER_EN}{% endif %}
{% if property.pay_to.address %}Address: {{ property.pay_to.address }}
{% endif %}{% if property.phone %}Telephone: {{ property.phone }}
{% endif %}{% if property.pay_to.hours %}Payment in person is accepted {{ property.pay_to.hours }}.
{% endif %}{% if pay_link %}Online payment: {{ pay_link }}
{% endif %}${STATEMENTS_EN}
If you have already paid, or if you have questions about this notice, please contact us right away.${CITATION_EN}

${SENDER_EN}, landlord or agent`,
  },

  'pre-lien-notice': {
    kind: 'document',
    title: '{% if notice.title %}{{ notice.title }}{% else %}Preliminary lien notice{% endif %}',
    body: `${LETTERHEAD_EN}

{% if notice.title %}{{ notice.title }}{% else %}PRELIMINARY LIEN NOTICE{% endif %}

Occupant: {{ tenant.name }}
Storage space: {{ lease.unit }}{% if lease.space_type %} ({{ lease.space_type }}){% endif %}, {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}

You owe and have not paid rent and other charges for the use of the storage space listed above. Itemized statement of the owner's claim, showing the sums due at the time of this notice and the date each became due:

${CHARGES_EN}
Total now due: {{ case.past_due | money }}

{% if notice.deadline %}Your right to use the storage space will terminate on {{ notice.deadline | date }} unless the full amount due is paid before that date. {% endif %}If it is not paid, you may be denied access to the space after that date, and the owner's lien on the property stored in the space may be enforced as the law provides, which can include a sale of the property.

${HOW_TO_PAY_EN}${STATEMENTS_EN}
If you have questions, believe this statement is not correct, or would like to arrange payment, please contact us: ${CONTACT_EN}${CITATION_EN}

${SENDER_EN}, owner or agent`,
  },

  'lien-notice': {
    kind: 'document',
    title: '{% if notice.title %}{{ notice.title }}{% else %}Notice of lien sale{% endif %}',
    body: `${LETTERHEAD_EN}

{% if notice.title %}{{ notice.title }}{% else %}NOTICE OF LIEN SALE{% endif %}

Occupant: {{ tenant.name }}
Storage space: {{ lease.unit }}{% if lease.space_type %} ({{ lease.space_type }}){% endif %}, {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}

The rent and other charges for the storage space listed above have not been paid, and the owner claims a lien on the property stored in the space for the following amounts:

${CHARGES_EN}
Total of the lien claim: {{ case.past_due | money }}

Unless the full amount is paid{% if notice.deadline %} on or before {{ notice.deadline | date }}{% endif %}, the stored property may be sold to satisfy the lien{% if notice.deadline %} on or after that date{% endif %}, as the law provides. Paying the full amount before the sale stops the sale.

${HOW_TO_PAY_EN}${STATEMENTS_EN}
If you believe this claim is not correct, or if you have questions, please contact us as soon as possible: ${CONTACT_EN}${CITATION_EN}

${SENDER_EN}, owner or agent`,
  },

  'auction-notice': {
    kind: 'document',
    title: '{% if notice.title %}{{ notice.title }}{% else %}Notice of public sale{% endif %}',
    body: `${LETTERHEAD_EN}

{% if notice.title %}{{ notice.title }}{% else %}NOTICE OF PUBLIC SALE{% endif %}

The personal property stored by {{ tenant.name }} in space {{ lease.unit }} at {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}, will be sold at a public lien sale{% if notice.deadline %} on or after {{ notice.deadline | date }}{% endif %} to satisfy the owner's lien of {{ case.past_due | money }} for unpaid rent and charges.

The sale will not take place if the full amount due is paid before the sale. Any proceeds of the sale beyond the amount owed will be handled as the law requires.

${HOW_TO_PAY_EN}${STATEMENTS_EN}
Questions: ${CONTACT_EN}${CITATION_EN}

${SENDER_EN}, owner or agent`,
  },

  'collections-handoff': {
    kind: 'document',
    title: 'Notice of referral to collections',
    body: `${LETTERHEAD_EN}

Re: Past-due balance, {{ property.name }}, unit {{ lease.unit }}

Dear {{ tenant.name }},

Your account has a past-due balance of {{ case.past_due | money }}{% if case.oldest_due_date %}, unpaid since {{ case.oldest_due_date | date }}{% endif %}:

${CHARGES_EN}
We have not been able to resolve this balance with you, so we intend to refer the account to a collection agency{% if notice.deadline %} after {{ notice.deadline | date }}{% endif %}. You can prevent the referral by paying the balance or by contacting us to agree on a payment arrangement before then.

${HOW_TO_PAY_EN}
If you believe this balance is not correct, please tell us in writing and we will review your account.

Sincerely,
${SENDER_EN}
${CONTACT_EN}`,
  },
};

// ---------------------------------------------------------------------------------------
// Spanish

const ES: Record<LibraryTemplateId, LibraryTemplate> = {
  reminder: {
    kind: 'message',
    subject: 'Recordatorio de renta de {{ property.name }}',
    body: `Hola {{ tenant.first_name }}, le escribe {{ property.name }}. Según nuestros registros, hay un saldo de {{ case.past_due | money }} de la unidad {{ lease.unit }}{% if case.oldest_due_date %} que venció el {{ case.oldest_due_date | date }}{% endif %}. Si ya pagó, gracias; por favor ignore este mensaje.{% if pay_link %} Pague en línea: {{ pay_link }}{% endif %}{% if office_contact %} ¿Preguntas? {{ office_contact }}{% endif %}`,
  },
  'late-notice': {
    kind: 'message',
    subject: 'Su renta está atrasada - {{ property.name }}',
    body: `Hola {{ tenant.first_name }}, le escribe {{ property.name }}. Su cuenta de la unidad {{ lease.unit }} tiene un saldo vencido de {{ case.past_due | money }}.{% if fee.amount %} Se agregó un cargo por pago atrasado de {{ fee.amount | money }}, según su contrato.{% endif %} Le pedimos que pague lo antes posible{% if pay_link %} en {{ pay_link }}{% endif %}. Si no puede pagar todo, comuníquese con nosotros para hablar de opciones.{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'final-notice': {
    kind: 'message',
    subject: 'Último recordatorio: saldo vencido en {{ property.name }}',
    body: `Hola {{ tenant.first_name }}, su cuenta de la unidad {{ lease.unit }} en {{ property.name }} sigue con un saldo vencido de {{ case.past_due | money }}{% if case.days_past_due %}, {{ case.days_past_due | plural: 'día', 'días' }} después de la fecha de vencimiento{% endif %}. Este es nuestro último recordatorio antes de tomar los siguientes pasos que indica su contrato. Por favor pague o comuníquese con nosotros{% if notice.deadline %} a más tardar el {{ notice.deadline | date }}{% endif %} para resolverlo juntos.{% if pay_link %} Pague en línea: {{ pay_link }}{% endif %}{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'promise-confirmation': {
    kind: 'message',
    subject: 'Su acuerdo de pago con {{ property.name }}',
    body: `Hola {{ tenant.first_name }}, gracias por avisarnos. Tomamos nota de que piensa pagar {% if promise.amount %}{{ promise.amount | money }}{% else %}su saldo vencido de {{ case.past_due | money }}{% endif %}{% if promise.date %} a más tardar el {{ promise.date | date }}{% endif %}. No le enviaremos recordatorios hasta esa fecha.{% if pay_link %} Pague en línea: {{ pay_link }}{% endif %}`,
  },
  'payment-plan-offer': {
    kind: 'message',
    subject: 'Un plan de pagos para su saldo en {{ property.name }}',
    body: `Hola {{ tenant.first_name }}, queremos ayudarle a ponerse al día con su saldo de {{ case.past_due | money }} de la unidad {{ lease.unit }}.{% if plan.installments.size > 0 %} Le ofrecemos este plan de pagos:{% for i in plan.installments %} {{ i.amount | money }} a más tardar el {{ i.due_date | date }}{% if forloop.last %}.{% else %};{% endif %}{% endfor %}{% endif %} Responda o llámenos para aceptarlo o proponer otras fechas.{% if office_contact %} {{ office_contact }}{% endif %}`,
  },
  'payment-received': {
    kind: 'message',
    subject: 'Pago recibido - gracias',
    body: `Hola {{ tenant.first_name }}, recibimos su pago de la unidad {{ lease.unit }} en {{ property.name }}. ¡Gracias!{% if case.past_due > 0 %} Queda un saldo vencido de {{ case.past_due | money }}.{% if pay_link %} Pague en línea: {{ pay_link }}{% endif %}{% else %} Su cuenta está al día.{% endif %}`,
  },

  'past-due-notice': {
    kind: 'document',
    title: 'Aviso de saldo vencido',
    body: `${LETTERHEAD_ES}

Asunto: Saldo vencido, {{ property.name }}, unidad {{ lease.unit }}

Estimado/a {{ tenant.name }}:

Según nuestros registros, los siguientes cargos de su cuenta están vencidos:

${CHARGES_ES}
Total vencido: {{ case.past_due | money }}

Le pedimos que pague esta cantidad lo antes posible.

${HOW_TO_PAY_ES}
Si ya pagó, gracias; por favor ignore este aviso. Si cree que este estado de cuenta no es correcto, o si tiene dificultades para pagar, comuníquese con nosotros para revisar su cuenta o acordar un plan de pagos.

Atentamente,
${SENDER_EN}
${CONTACT_EN}`,
  },

  'pay-or-quit-notice': {
    kind: 'document',
    title: 'Aviso de pagar la renta o desocupar',
    body: `${LETTERHEAD_ES}

AVISO DE PAGAR LA RENTA O DESOCUPAR{% if notice.title %} ({{ notice.title }}){% endif %}

Para: {{ tenant.name }}, y todos los demás inquilinos y subinquilinos en posesión
Inmueble: {% if property.address %}{{ property.address }}, {% endif %}unidad {{ lease.unit }}

La renta del inmueble que usted ocupa está vencida. La renta vencida y no pagada es de {{ case.past_due_rent | money }}{% if case.oldest_due_date %}, a partir del {{ case.oldest_due_date | date }}{% endif %}. Esta cantidad es solo renta; no incluye cargos por pago atrasado ni otros cargos.

Usted debe pagar esta renta en su totalidad {% if notice.deadline %}a más tardar el {{ notice.deadline | date }}{% elsif notice.period_days %}dentro de {{ notice.period_days }} días después de la entrega de este aviso{% else %}dentro del plazo que indica la ley{% endif %}, o entregar la posesión del inmueble. Si no paga la renta ni entrega la posesión dentro de ese plazo, el arrendador puede iniciar un proceso legal para recuperar la posesión del inmueble, según lo permite la ley.{% if notice.period_text %} Plazo según la ley (texto oficial en inglés): {{ notice.period_text }}.{% endif %}

El pago debe hacerse a: {% if property.pay_to.name %}{{ property.pay_to.name }}{% else %}${SENDER_EN}{% endif %}
{% if property.pay_to.address %}Dirección: {{ property.pay_to.address }}
{% endif %}{% if property.phone %}Teléfono: {{ property.phone }}
{% endif %}{% if property.pay_to.hours %}Horario para pagos en persona: {{ property.pay_to.hours }}.
{% endif %}{% if pay_link %}Pago en línea: {{ pay_link }}
{% endif %}${STATEMENTS_ES}
Si ya pagó, o si tiene preguntas sobre este aviso, comuníquese con nosotros de inmediato.${CITATION_ES}

${SENDER_EN}, arrendador o agente`,
  },

  'pre-lien-notice': {
    kind: 'document',
    title: 'Aviso preliminar de gravamen',
    body: `${LETTERHEAD_ES}

AVISO PRELIMINAR DE GRAVAMEN{% if notice.title %} ({{ notice.title }}){% endif %}

Ocupante: {{ tenant.name }}
Espacio de almacenamiento: {{ lease.unit }}{% if lease.space_type %} ({{ lease.space_type }}){% endif %}, {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}

Usted debe y no ha pagado la renta y otros cargos por el uso del espacio de almacenamiento indicado. Estado detallado de la reclamación del propietario, con las cantidades debidas a la fecha de este aviso y la fecha en que venció cada una:

${CHARGES_ES}
Total debido: {{ case.past_due | money }}

{% if notice.deadline %}Su derecho a usar el espacio de almacenamiento terminará el {{ notice.deadline | date }} a menos que pague la cantidad total debida antes de esa fecha. {% endif %}Si no la paga, después de esa fecha se le puede negar el acceso al espacio, y el gravamen del propietario sobre los bienes guardados en el espacio puede ejecutarse según lo dispone la ley, lo que puede incluir la venta de los bienes.

${HOW_TO_PAY_ES}${STATEMENTS_ES}
Si tiene preguntas, cree que este estado de cuenta no es correcto o desea acordar un pago, comuníquese con nosotros: ${CONTACT_EN}${CITATION_ES}

${SENDER_EN}, propietario o agente`,
  },

  'lien-notice': {
    kind: 'document',
    title: 'Aviso de venta por gravamen',
    body: `${LETTERHEAD_ES}

AVISO DE VENTA POR GRAVAMEN{% if notice.title %} ({{ notice.title }}){% endif %}

Ocupante: {{ tenant.name }}
Espacio de almacenamiento: {{ lease.unit }}{% if lease.space_type %} ({{ lease.space_type }}){% endif %}, {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}

La renta y otros cargos del espacio de almacenamiento indicado no se han pagado, y el propietario reclama un gravamen sobre los bienes guardados en el espacio por las siguientes cantidades:

${CHARGES_ES}
Total de la reclamación: {{ case.past_due | money }}

A menos que pague la cantidad total{% if notice.deadline %} a más tardar el {{ notice.deadline | date }}{% endif %}, los bienes guardados pueden venderse para cubrir el gravamen{% if notice.deadline %} en esa fecha o después{% endif %}, según lo dispone la ley. Si paga la cantidad total antes de la venta, la venta no se realiza.

${HOW_TO_PAY_ES}${STATEMENTS_ES}
Si cree que esta reclamación no es correcta, o si tiene preguntas, comuníquese con nosotros lo antes posible: ${CONTACT_EN}${CITATION_ES}

${SENDER_EN}, propietario o agente`,
  },

  'auction-notice': {
    kind: 'document',
    title: 'Aviso de venta pública',
    body: `${LETTERHEAD_ES}

AVISO DE VENTA PÚBLICA{% if notice.title %} ({{ notice.title }}){% endif %}

Los bienes personales guardados por {{ tenant.name }} en el espacio {{ lease.unit }} de {{ property.name }}{% if property.address %}, {{ property.address }}{% endif %}, se venderán en una venta pública por gravamen{% if notice.deadline %} el {{ notice.deadline | date }} o después{% endif %} para cubrir el gravamen del propietario de {{ case.past_due | money }} por renta y cargos no pagados.

La venta no se realizará si se paga la cantidad total debida antes de la venta. Cualquier cantidad obtenida en la venta que exceda lo debido se manejará según lo exige la ley.

${HOW_TO_PAY_ES}${STATEMENTS_ES}
Preguntas: ${CONTACT_EN}${CITATION_ES}

${SENDER_EN}, propietario o agente`,
  },

  'collections-handoff': {
    kind: 'document',
    title: 'Aviso de envío a una agencia de cobranza',
    body: `${LETTERHEAD_ES}

Asunto: Saldo vencido, {{ property.name }}, unidad {{ lease.unit }}

Estimado/a {{ tenant.name }}:

Su cuenta tiene un saldo vencido de {{ case.past_due | money }}{% if case.oldest_due_date %}, sin pagar desde el {{ case.oldest_due_date | date }}{% endif %}:

${CHARGES_ES}
No hemos podido resolver este saldo con usted, por lo que tenemos la intención de enviar la cuenta a una agencia de cobranza{% if notice.deadline %} después del {{ notice.deadline | date }}{% endif %}. Puede evitarlo si paga el saldo o si se comunica con nosotros para acordar un plan de pagos antes de esa fecha.

${HOW_TO_PAY_ES}
Si cree que este saldo no es correcto, avísenos por escrito y revisaremos su cuenta.

Atentamente,
${SENDER_EN}
${CONTACT_EN}`,
  },
};

function build(): Readonly<Record<string, LibraryTemplate>> {
  const out: Record<string, LibraryTemplate> = {};
  for (const id of LIBRARY_TEMPLATE_IDS) {
    out[id] = Object.freeze({ ...EN[id] });
    out[`${id}.es`] = Object.freeze({ ...ES[id] });
  }
  return Object.freeze(out);
}

/** Every library template, keyed `{id}` (English) and `{id}.es` (Spanish). */
export const LIBRARY: Readonly<Record<string, LibraryTemplate>> = build();

/** The kind of a library template id, if it is one. */
export function libraryKind(id: string): TemplateKind | undefined {
  return Object.hasOwn(LIBRARY, id) ? (LIBRARY[id] as LibraryTemplate).kind : undefined;
}
