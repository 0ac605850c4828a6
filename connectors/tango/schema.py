"""One description of the Tango tables the connector uses, faithful to a live Tango database.

Names, types, lengths and NOT NULL follow Tango's own CREATE TABLE scripts (user types
resolved: ``D_ID``/``ENTERO_TG`` int, ``DECIMAL_TG`` decimal(22,7), ``D_SINO`` char(1)…).
GVA21 and GVA03 (the tables we write) are complete; the big master tables keep every NOT NULL
column plus the ones we read. GVA17, GVA43, STA19 and GVA16 have no public script: their
columns are the ones public field code uses (an inference, checked by ``activo doctor``).

The description is rendered to DDL for SQLite, PostgreSQL and SQL Server by ``ddl.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types of the description (SQL Server spelling in comments).
INT = "int"  # int, D_ID, ENTERO_TG, T_D_RENGLON
SMALLINT = "smallint"  # smallint, tinyint
DECIMAL = "decimal"  # DECIMAL_TG = decimal(22,7)
FLOAT = "float"  # ENTEROXL_TG = float
VARCHAR = "varchar"  # varchar(n)
CHAR = "char"  # char(n), D_SINO
TEXT = "text"  # varchar(max) / varchar(8000)
BIT = "bit"
DATETIME = "datetime"
XML = "xml"
ROWVERSION = "rowversion"  # SQL Server timestamp: the database fills it, an INSERT must omit it

_SHORT = {
    "id": INT, "int": INT, "smallint": SMALLINT, "dec": DECIMAL, "float": FLOAT,
    "vc": VARCHAR, "ch": CHAR, "text": TEXT, "bit": BIT, "dt": DATETIME, "xml": XML,
    "rowver": ROWVERSION,
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    length: int | None = None
    not_null: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    sequence: str | None = None  # the ID column is fed from dbo.SEQUENCE_<TABLE>

    def column(self, name: str) -> Column:
        """The column called ``name`` (any case); KeyError when absent."""
        wanted = name.upper()
        for col in self.columns:
            if col.name == wanted:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def id_column(self) -> str:
        return f"ID_{self.name}"


def _cols(spec: str) -> tuple[Column, ...]:
    """Parse lines of ``NAME type[(len)] [NN]`` into columns (compact, reads like the DDL)."""
    columns = []
    for line in spec.strip().splitlines():
        parts = line.split()
        name, type_spec = parts[0], parts[1]
        length = None
        if "(" in type_spec:
            type_spec, size = type_spec.rstrip(")").split("(")
            length = int(size)
        columns.append(Column(name, _SHORT[type_spec], length, parts[-1] == "NN"))
    return tuple(columns)


STA11 = Table("STA11", _cols("""
FILLER vc(20)
COD_ARTICU vc(15) NN
COD_BARRA vc(40)
COD_IVA int
COD_IVA_CO int
DESC_ADIC vc(20)
DESCRIPCIO vc(50)
DESCUENTO dec
EQUIVALE_V dec
FECHA_ALTA dt
PERFIL vc(1)
SINONIMO vc(15)
STOCK bit
STOCK_NEG bit
USA_PARTID bit
USA_SERIE bit
FECHA_MODI dt
COD_STA11 vc(17) NN
ID_MEDIDA_STOCK id
ID_MEDIDA_VENTAS id
OBSERVACIONES text
ID_STA11 id NN
ADMITE_VENTA_FRACCIONADA bit
REV_PEND bit NN
ROW_VERSION rowver NN
ID_GVA41_COD_IVA id
"""), primary_key=("ID_STA11",), unique=(("COD_ARTICU",),))

MEDIDA = Table("MEDIDA", _cols("""
ID_MEDIDA id NN
COD_MEDIDA vc(20) NN
DESC_MEDIDA vc(60)
SIGLA_MEDIDA vc(3) NN
CANT_DECIMAL_MEDIDA smallint
OBSERVACIONES vc(1000)
TIPO_UNIDAD vc(20)
COD_MEDIDA_AFIP int
EQUIVALENCIA_AFIP dec
ROW_VERSION rowver NN
"""), primary_key=("ID_MEDIDA",))

GVA10 = Table("GVA10", _cols("""
FILLER vc(20)
DECIMALES int
FEC_DESDE dt
FEC_HASTA dt
HABILITADA bit
INCLUY_IMP bit
INCLUY_IVA bit
MON_CTE bit
NOMBRE_LIS vc(20)
NRO_DE_LIS int NN
OBSERVAC text
PUBLICADA_WEBCLIENTES vc(1)
PUBLICADA_WEB_CLIENTES vc(1)
SINCRONIZA_WEB_PEDIDO vc(1)
ID_GVA10 id NN
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
"""), primary_key=("ID_GVA10",), unique=(("NRO_DE_LIS",),))

GVA17 = Table("GVA17", _cols("""
FILLER vc(20)
COD_ARTICU vc(15) NN
NRO_DE_LIS int NN
PRECIO dec
FECHA_MODI dt
ID_GVA17 id NN
ID_GVA10 id
ID_STA11 id
ROW_VERSION rowver NN
"""), primary_key=("ID_GVA17",), unique=(("NRO_DE_LIS", "COD_ARTICU"),))

GVA14 = Table("GVA14", _cols("""
FILLER vc(20)
C_POSTAL vc(8)
COD_CLIENT vc(6) NN
COD_PROVIN vc(2)
COD_TRANSP vc(10)
COD_VENDED vc(10)
COD_ZONA vc(2)
COND_VTA int
CUIT vc(20)
CUPO_CREDI dec
DOMICILIO vc(30)
E_MAIL vc(255)
FECHA_ALTA dt
FECHA_INHA dt
LOCALIDAD vc(20)
NOM_COM vc(60)
NRO_LISTA int
PORC_DESC dec
RAZON_SOCI vc(60)
SALDO_CC dec
TELEFONO_1 vc(30)
TIPO_DOC int
FECHA_MODI dt
MON_CTE bit
COD_GVA14 vc(10) NN
OBSERVACIONES text
INHABILITADO_NEXO_PEDIDOS vc(1) NN
ID_GVA14 id NN
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
ID_GVA23 id
ID_GVA24 id
ID_GVA01 id
ID_GVA10 id
"""), primary_key=("ID_GVA14",), unique=(("COD_CLIENT",),))

GVA01 = Table("GVA01", _cols("""
FILLER vc(20)
COND_VTA int
DESC_COND vc(60)
FAC_CREDIT bit
NRO_DE_LIS int
PAGO_CF int
APLICA_MORA vc(1)
ID_INTERES_POR_MORA id
OBSERVACIONES text
GENERA_FECHAS_ALTERNATIVAS vc(1)
FECHA_VIGENCIA_DESDE dt
FECHA_VIGENCIA_HASTA dt
CONTADO vc(1)
CALCULA_INTERESES vc(1)
ID_GVA01 id NN
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
ID_GVA10 id
ACEPTA_CONTADO bit NN
PORC_MIN_CONTADO dec NN
ACEPTA_CTA bit NN
TIPO_ASIGNACION vc(1)
OBLIGA_CONTADO bit NN
"""), primary_key=("ID_GVA01",), unique=(("COND_VTA",),))

GVA23 = Table("GVA23", _cols("""
FILLER vc(20)
COD_SHOP int
COD_VENDED vc(10) NN
NOMBRE_VEN vc(30)
PORC_COMIS dec
INHABILITA bit
TIPO_DOC vc(4)
NRO_DOC vc(11)
DOM_VENDED vc(50)
COD_POSTAL vc(8)
LOCALIDAD vc(50)
COD_PROVIN vc(2)
TELEFONO vc(30)
E_MAIL vc(60)
COD_GVA23 vc(12) NN
OBSERVACIONES text
COD_GVA18 vc(4)
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
ID_GVA23 id NN
ID_GVA18 id
ID_TIPO_DOCUMENTO_GV id
"""), primary_key=("ID_GVA23",), unique=(("COD_VENDED",),))

GVA24 = Table("GVA24", _cols("""
FILLER vc(20)
CATEG_TRAN vc(25)
COD_TRANSP vc(10) NN
CUIT_TRANS vc(20)
DOM_TRANS vc(30)
NOMBRE_TRA vc(60)
PORC_RECAR dec
COD_POSTAL vc(8)
LOCALIDAD vc(50)
COD_PROVIN vc(2)
TELEFONO vc(30)
E_MAIL vc(60)
WEB vc(60)
COD_GVA24 vc(12) NN
OBSERVACIONES text
COD_GVA18 vc(4)
ID_GVA24 id NN
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
ID_GVA18 id
"""), primary_key=("ID_GVA24",), unique=(("COD_TRANSP",),))

STA22 = Table("STA22", _cols("""
FILLER vc(20)
ABASTECE bit
COD_SUCURS vc(2) NN
DIR_SUCURS vc(30)
NOMBRE_SUC vc(30)
INHABILITA bit
COD_STA22 vc(10) NN
SUCURSAL_DESTINO int
SINCRONIZA_NEXO_PEDIDOS bit
OBSERVACIONES text
ID_STA22 id NN
ID_SUCURSAL id
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
"""), primary_key=("ID_STA22",), unique=(("COD_SUCURS",),))

STA19 = Table("STA19", _cols("""
FILLER vc(20)
COD_ARTICU vc(15) NN
COD_DEPOSI vc(2) NN
CANT_STOCK dec
CANT_COMP dec
CANT_PEND dec
FECHA_ANT dt
ID_STA11 id
ID_STA22 id
ROW_VERSION rowver NN
"""), primary_key=("COD_ARTICU", "COD_DEPOSI"))

GVA41 = Table("GVA41", _cols("""
FILLER vc(20)
COD_ALICUO int NN
COD_REGIM int
DESCRIPCIO vc(20)
IMPORTE dec
PORCENTAJE dec
PROVINCIA vc(2)
GRUPO vc(2)
COD_SII vc(3)
OBSERVACIONES text
ID_GVA41 id NN
ROW_VERSION rowver NN
CAMPOS_ADICIONALES xml
ID_GVA18 id
PADRON smallint
"""), primary_key=("ID_GVA41",), unique=(("COD_ALICUO",),))

GVA43 = Table("GVA43", _cols("""
FILLER vc(20)
TALONARIO int NN
COMPROB vc(3)
DESCRIP vc(30)
TIPO vc(1)
SUCURSAL int
PROXIMO vc(16)
NRO_DESDE int
NRO_HASTA int
FECHA_VTO dt
ID_GVA43 id NN
ROW_VERSION rowver NN
"""), primary_key=("ID_GVA43",), unique=(("TALONARIO",),))

# Company sales parameters ("Aprueba pedidos"): low confidence, only APRUEBA_PE is used.
GVA16 = Table("GVA16", _cols("""
FILLER vc(20)
APRUEBA_PE bit
ID_GVA16 id NN
ROW_VERSION rowver NN
"""), primary_key=("ID_GVA16",))

GVA21 = Table("GVA21", _cols("""
FILLER vc(20)
APRUEBA vc(30)
CIRCUITO int
COD_CLIENT vc(6)
COD_SUCURS vc(2)
COD_TRANSP vc(10)
COD_VENDED vc(10)
COMENTARIO vc(30)
COMP_STK bit
COND_VTA int
COTIZ dec
ESTADO int NN
EXPORTADO bit
FECHA_APRU dt
FECHA_ENTR dt
FECHA_PEDI dt
HORA_APRUE vc(4)
ID_EXTERNO vc(20)
LEYENDA_1 vc(60)
LEYENDA_2 vc(60)
LEYENDA_3 vc(60)
LEYENDA_4 vc(60)
LEYENDA_5 vc(60)
MON_CTE bit
N_LISTA int
N_REMITO vc(14)
NRO_PEDIDO vc(14)
NRO_SUCURS int
ORIGEN vc(1)
PORC_DESC dec
REVISO_FAC vc(1)
REVISO_PRE vc(1)
REVISO_STK vc(1)
TALONARIO int
TALON_PED int NN
TOTAL_PEDI dec
TIPO_ASIEN vc(2)
MOTIVO vc(3)
HORA vc(6)
COD_CLASIF vc(6)
ID_ASIENTO_MODELO_GV id
TAL_PE_ORI int
NRO_PE_ORI vc(14)
FECHA_INGRESO dt
HORA_INGRESO vc(6)
USUARIO_INGRESO vc(120)
TERMINAL_INGRESO vc(255)
FECHA_ULTIMA_MODIFICACION dt
HORA_ULTIMA_MODIFICACION vc(6)
USUA_ULTIMA_MODIFICACION vc(120)
TERM_ULTIMA_MODIFICACION vc(255)
ID_DIRECCION_ENTREGA id
ES_PEDIDO_WEB bit
WEB_ORDER_ID int
FECHA_O_COMP dt
ACTIVIDAD_COMPROBANTE_AFIP vc(1)
ID_ACTIVIDAD_EMPRESA_AFIP id
TIPO_DOCUMENTO_PAGADOR int
NUMERO_DOCUMENTO_PAGADOR vc(20)
USUARIO_TIENDA vc(200)
TIENDA vc(60)
ORDER_ID_TIENDA vc(200)
NRO_OC_COMP vc(20)
TIENDA_QUE_VENDE vc(200)
TOTAL_DESC_TIENDA dec
PORCEN_DESC_TIENDA dec
USUARIO_TIENDA_VENDEDOR vc(100)
ID_NEXO_PEDIDOS_ORDEN int
ID_GVA01 id
ID_GVA10 id
ID_GVA14 id
ID_GVA23 id
ID_GVA24 id
ID_GVA43_TALON_PED id
ID_GVA81 id
ID_SUCURSAL id
METODO_EXPORTACION vc(30)
NRO_SUCURSAL_DESTINO_PEDIDO int
ROW_VERSION rowver NN
ID_MODELO_PEDIDO id
ID_STA22 id
ID_GVA43_TALONARIO_FACTURA id
ID_TIPO_DOCUMENTO_GV id
ID_MONEDA id NN
IMPORTE_DESCUENTO_GENERAL dec NN
PORCENTAJE_RECARGO_GENERAL dec NN
IMPORTE_RECARGO_GENERAL dec NN
PORCENTAJE_FLETE dec NN
IMPORTE_FLETE dec NN
PORCENTAJE_INTERES dec NN
IMPORTE_INTERES dec NN
MODALIDAD_DESCUENTO_GENERAL vc(1)
MODALIDAD_RECARGO_GENERAL vc(1)
MODALIDAD_FLETE_GENERAL vc(1)
MODALIDAD_INTERES_GENERAL vc(1)
OBSERVACIONES vc(8000)
PRECIO_A_FECHA dt
CAMPOS_ADICIONALES xml
TOTAL_PEDI_EXTRANJERA dec
ID_SUCURSAL_DESTINO id
ES_CLOUD bit NN
APLICA_DESCUENTO_CLIENTE bit NN
IMPORTE_DESCUENTO_CLIENTE dec NN
PORCENTAJE_DESCUENTO_CLIENTE dec NN
TOTAL_PEDI_CON_IMPUESTOS dec
TOTAL_PEDI_EXTRANJERA_CON_IMPUESTOS dec
ID_GVA21 id NN
TOTAL_EXENTO dec NN
IMPORTE_DESCUENTO_GENERAL_SIN_IMPUESTOS dec NN
IMPORTE_RECARGO_GENERAL_SIN_IMPUESTOS dec NN
IMPORTE_FLETE_SIN_IMPUESTOS dec NN
IMPORTE_INTERES_SIN_IMPUESTOS dec NN
"""), primary_key=("ID_GVA21",), unique=(("TALON_PED", "NRO_PEDIDO"),),
    indexes=(("ID_EXTERNO",),), sequence="SEQUENCE_GVA21")

GVA03 = Table("GVA03", _cols("""
FILLER vc(20)
CAN_EQUI_V dec
CANT_A_DES dec
CANT_A_FAC dec
CANT_PEDID dec
CANT_PEN_D dec
CANT_PEN_F dec
COD_ARTICU vc(15)
DESCUENTO dec
N_RENGLON int
NRO_PEDIDO vc(14) NN
PEN_REM_FC dec
PEN_FAC_RE dec
PRECIO dec
TALON_PED int NN
COD_CLASIF vc(6)
CANT_A_DES_2 dec
CANT_A_FAC_2 dec
CANT_PEDID_2 dec
CANT_PEN_D_2 dec
CANT_PEN_F_2 dec
PEN_REM_FC_2 dec
PEN_FAC_RE_2 dec
ID_MEDIDA_VENTAS id
ID_MEDIDA_STOCK_2 id
ID_MEDIDA_STOCK id
UNIDAD_MEDIDA_SELECCIONADA ch(1)
COD_ARTICU_KIT vc(15)
RENGL_PADR int
PROMOCION bit
PRECIO_ADICIONAL_KIT dec
KIT_COMPLETO bit
INSUMO_KIT_SEPARADO bit
PRECIO_LISTA dec
PRECIO_BONIF dec
DESCUENTO_PARAM dec
PRECIO_FECHA dt
FECHA_MODIFICACION_PRECIO dt
USUARIO_MODIFICACION_PRECIO vc(120)
TERMINAL_MODIFICACION_PRECIO vc(255)
ID_NEXO_PEDIDOS_RENGLON_ORDEN int
ROW_VERSION rowver NN
CANT_A_DES_EXPORTADA dec
CANT_A_FAC_EXPORTADA dec
CANT_A_DES_2_EXPORTADA dec
CANT_A_FAC_2_EXPORTADA dec
COD_DEPOSI vc(2)
ID_GVA21 id NN
ID_STA11 id
ID_STA22 id
ID_GVA23 id
ID_GVA10 id
ID_GVA81 id
OBSERVACIONES vc(8000)
ID_GVA03 id NN
NRO_ORDEN int NN
IMPORTE_SIN_IMPUESTOS dec NN
IMPORTE_CON_IMPUESTOS dec NN
IMPORTE_PROPORCIONADO dec NN
PRECIO_NETO dec
"""), primary_key=("ID_GVA03",), indexes=(("TALON_PED", "NRO_PEDIDO"), ("ID_GVA21",)),
    sequence="SEQUENCE_GVA03")

TABLES: tuple[Table, ...] = (
    GVA41, MEDIDA, STA11, GVA10, GVA17, GVA01, GVA23, GVA24, GVA14, STA22, STA19, GVA43, GVA16,
    GVA21, GVA03,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
